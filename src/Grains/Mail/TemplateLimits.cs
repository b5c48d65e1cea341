using System.Globalization;
using System.Text;
using Fluid;
using Fluid.Ast;
using Fluid.Values;

namespace Orleans.Recovery.Mail;

/// <summary>A render stopped at one of <see cref="TemplateLimits"/>: that message fails as a template error, nothing else does.</summary>
public sealed class TemplateLimitException(string message) : InvalidOperationException(message);

/// <summary>
/// What one render may use. Fluid counts statements and nesting, but a short template can build a huge value in few
/// statements: a string that doubles on each <c>assign</c>, a <c>replace</c> that multiplies, a range of a hundred
/// million numbers. Each is refused here before it is allocated, so an operator's mistake fails one message instead of
/// taking down the silo, and then the next silo that picks up the step.
/// </summary>
public static class TemplateLimits
{
    /// <summary>
    /// Statements one message may execute, over its subject, HTML and text. A 500-line cart takes about 30,000; a
    /// nested loop in an operator's edit would otherwise pin a silo thread in every cart that renders it.
    /// </summary>
    public const int MaxSteps = 200_000;

    /// <summary>How deep includes and nested blocks may go.</summary>
    public const int MaxRecursion = 30;

    /// <summary>Numbers in a range such as <c>(1..n)</c>: Fluid builds the whole list before the first step is counted.</summary>
    public const int MaxRange = 10_000;

    /// <summary>The default of <c>Recovery:Templates:MaxOutputBytes</c>: far above any real email (Gmail clips at 102 KB).</summary>
    public const int DefaultMaxOutputBytes = 512 * 1024;

    /// <summary>
    /// Fluid options under these limits: the rendered output of a message may be <paramref name="maxOutputBytes"/> long
    /// (UTF-8), and no value a template makes (assigned, captured or returned by a filter) longer than that in characters.
    /// </summary>
    public static TemplateOptions Options(int maxOutputBytes)
    {
        var options = new TemplateOptions { MaxSteps = MaxSteps, MaxRecursion = MaxRecursion };
        options.Assigned = (name, value, _) => new ValueTask<FluidValue>(Checked(value, maxOutputBytes, $"the value assigned to '{name}'"));
        options.Captured = (name, value, _) => new ValueTask<FluidValue>(Checked(value, maxOutputBytes, $"the text captured in '{name}'"));
        foreach (var (name, filter) in options.Filters.ToList())
        {
            options.Filters.AddFilter(name, Guarded(name, filter, maxOutputBytes));
        }

        return options;
    }

    /// <summary>
    /// A parsed template whose ranges check their length before Fluid builds them (in loops, assignments and indexers
    /// alike), and whose captures stop at <paramref name="maxOutputBytes"/> as they are written, not once they are whole.
    /// </summary>
    public static IFluidTemplate Bounded(IFluidTemplate parsed, int maxOutputBytes) => new Bounds(maxOutputBytes).VisitTemplate(parsed);

    /// <summary>A writer that stops the render once its output passes <paramref name="maxBytes"/> in UTF-8.</summary>
    internal static StringWriter Writer(int maxBytes) => new LimitedWriter(maxBytes);

    internal static TemplateLimitException Exceeded(string what, int maxBytes) =>
        new($"{what} would pass the limit of {maxBytes.ToString("N0", CultureInfo.InvariantCulture)} (Recovery:Templates:MaxOutputBytes).");

    private static FilterDelegate Guarded(string name, FilterDelegate filter, int max) => async (input, arguments, context) =>
    {
        // The few filters whose result can be far larger than what they are given are measured before they run.
        if (Expected(name, input, arguments) > max)
        {
            throw Exceeded($"the result of the filter '{name}'", max);
        }

        return Checked(await filter(input, arguments, context), max, $"the result of the filter '{name}'");
    };

    private static long Expected(string name, FluidValue input, FilterArguments arguments)
    {
        switch (name)
        {
            case "replace" or "replace_first" or "replace_last":
                // A list is replaced in as its text, its items joined.
                var length = Size(input);
                var search = arguments.At(0).ToStringValue().Length;
                var replacement = arguments.At(1).ToStringValue().Length;
                var times = name == "replace" ? length / Math.Max(1, search) + 1 : 1;
                return length + times * replacement;
            case "join" when input is ArrayValue array:
                var separator = arguments.Count > 0 ? arguments.At(0).ToStringValue().Length : 1;
                return Size(array) + (long)array.Values.Count * separator;
            default:
                return 0;
        }
    }

    private static FluidValue Checked(FluidValue value, int max, string what) =>
        Size(value) > max ? throw Exceeded(what, max) : value;

    /// <summary>Characters in a string, or elements and characters in a list: what a value costs to keep.</summary>
    private static long Size(FluidValue value) => value switch
    {
        StringValue text => text.ToStringValue().Length,
        ArrayValue array => array.Values.Count + array.Values.Sum(Size),
        _ => 0,
    };

    private sealed class Bounds(int maxOutputBytes) : AstRewriter
    {
        protected override Expression VisitRangeExpression(RangeExpression range) => new BoundedRange(Visit(range.From), Visit(range.To));

        // Fluid's own rewriter leaves member expressions as they are: a range inside an indexer is reached here.
        protected override Expression VisitMemberExpression(MemberExpression member) =>
            new MemberExpression([.. member.Segments.Select(segment => segment is IndexerSegment indexer ? new IndexerSegment(Visit(indexer.Expression)) : segment)]);

        protected override Statement VisitCaptureStatement(CaptureStatement capture) =>
            new BoundedCapture(capture.Identifier, ((TagStatement)base.VisitCaptureStatement(capture)).Statements, maxOutputBytes);
    }

    /// <summary>
    /// <c>{% capture %}</c> as Fluid does it (the block rendered unencoded into a value, the <c>Captured</c> hook, a
    /// <c>break</c> passed on), but into a writer that stops at the limit: a loop inside a capture is never built whole.
    /// </summary>
    private sealed class BoundedCapture(string identifier, IReadOnlyList<Statement> statements, int maxBytes) : Statement
    {
        public override async ValueTask<Completion> WriteToAsync(TextWriter writer, System.Text.Encodings.Web.TextEncoder encoder, TemplateContext context)
        {
            using var captured = new LimitedWriter(maxBytes);
            var completion = Completion.Normal;
            foreach (var statement in statements)
            {
                completion = await statement.WriteToAsync(captured, encoder, context);
                if (completion != Completion.Normal)
                {
                    break;
                }
            }

            FluidValue value = new StringValue(captured.ToString(), encode: false);
            if (context.Options.Captured is { } hook)
            {
                value = await hook(identifier, value, context);
            }

            context.SetValue(identifier, value);
            return completion;
        }
    }

    /// <summary>A range that checks its length, then lets Fluid's own range build it.</summary>
    private sealed class BoundedRange(Expression from, Expression to) : Expression
    {
        public override async ValueTask<FluidValue> EvaluateAsync(TemplateContext context)
        {
            var start = await from.EvaluateAsync(context);
            var end = await to.EvaluateAsync(context);
            if (end.ToNumberValue() - start.ToNumberValue() >= MaxRange)
            {
                throw new TemplateLimitException($"a range may hold at most {MaxRange:N0} numbers; ({start.ToStringValue()}..{end.ToStringValue()}) holds more.");
            }

            return await new RangeExpression(new LiteralExpression(start), new LiteralExpression(end)).EvaluateAsync(context);
        }
    }

    private sealed class LimitedWriter(int maxBytes) : StringWriter(CultureInfo.InvariantCulture)
    {
        private long _bytes;

        public override void Write(char value)
        {
            Spend(new ReadOnlySpan<char>(in value));
            base.Write(value);
        }

        public override void Write(char[] buffer, int index, int count)
        {
            Spend(buffer.AsSpan(index, count));
            base.Write(buffer, index, count);
        }

        public override void Write(ReadOnlySpan<char> buffer)
        {
            Spend(buffer);
            base.Write(buffer);
        }

        public override void Write(string? value)
        {
            Spend(value);
            base.Write(value);
        }

        public override void Write(StringBuilder? value)
        {
            foreach (var chunk in value?.GetChunks() ?? default)
            {
                Write(chunk.Span);
            }
        }

        private void Spend(ReadOnlySpan<char> text)
        {
            _bytes += Encoding.UTF8.GetByteCount(text);
            if (_bytes > maxBytes)
            {
                throw Exceeded("the rendered message", maxBytes);
            }
        }
    }
}
