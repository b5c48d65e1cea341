namespace Orleans.Recovery.Api.Console;

/// <summary>A console page that handles its own posted forms; every other page answers GET and HEAD only.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class TakesFormsAttribute : Attribute;
