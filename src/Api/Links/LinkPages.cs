using System.Net;
using Orleans.Recovery.Orders;

namespace Orleans.Recovery.Api.Links;

/// <summary>
/// The small HTML pages a shopper sees after following a link from an email. A page that asks something shows the
/// answer the link carried, preselected, and records it only from its button: mail scanners open every link.
/// </summary>
public static class LinkPages
{
    public static IResult NotFound() => Page(StatusCodes.Status404NotFound, "Link not found", "<p>This link is not valid.</p>");

    public static IResult Unsubscribe(string shopName, bool alreadyUnsubscribed) => alreadyUnsubscribed
        ? Unsubscribed(shopName)
        : Page(StatusCodes.Status200OK, "Unsubscribe", $"""
            <p>Stop reminder emails from {Encode(shopName)}?</p>
            <form method="post"><button type="submit">Unsubscribe</button></form>
            <p>You will still receive emails about orders you place.</p>
            """);

    public static IResult Unsubscribed(string shopName) => Page(StatusCodes.Status200OK, "Unsubscribed",
        $"<p>You are unsubscribed. {Encode(shopName)} will not send you reminder emails any more.</p>");

    /// <summary>The options a delay notice offered, with <paramref name="preselected"/> (the link's) checked.</summary>
    public static IResult DelayQuestion(string shopName, DelayRecord delay, DelayOption? preselected)
    {
        var options = string.Concat(delay.Delay.Options.Select(option => $"""
            <p><label><input type="radio" name="choice" value="{DelayOptions.Name(option)}" required{Checked(option == preselected)}> {Encode(Capitalised(Describe(option)))}</label></p>
            """));
        var current = delay.Choice is { } answered
            ? $"<p>Your answer so far: {Encode(Describe(answered))}. You can change it until we act on it.</p>"
            : "";
        return Page(StatusCodes.Status200OK, "Your delayed order", $"""
            <p>Part of your order from {Encode(shopName)} is delayed: {Encode(delay.Delay.Reason)}. It should now ship on {delay.Delay.NewEstimatedShipDate:yyyy-MM-dd}.</p>
            {current}
            <form method="post">
              <fieldset><legend>What would you like us to do?</legend>
            {options}
              </fieldset>
              <button type="submit">Send my answer</button>
            </form>
            """);
    }

    public static IResult DelayAnswered(string shopName, DelayOption choice) => Page(StatusCodes.Status200OK, "Thank you",
        $"<p>Thank you. {Encode(shopName)} has your answer: {Encode(Describe(choice))}. You can pick another option from the email until we act on it.</p>");

    /// <summary>Ratings 5 to 1, with <paramref name="preselected"/> (the link's) checked.</summary>
    public static IResult RatingQuestion(string shopName, int? preselected)
    {
        var ratings = string.Concat(Enumerable.Range(1, 5).Reverse().Select(rating => $"""
            <p><label><input type="radio" name="rating" value="{rating}" required{Checked(rating == preselected)}> {rating} of 5: {RatingWords(rating)}</label></p>
            """));
        return Page(StatusCodes.Status200OK, "Rate your order", $"""
            <form method="post">
              <fieldset><legend>How was your order from {Encode(shopName)}?</legend>
            {ratings}
              </fieldset>
              <button type="submit">Send my rating</button>
            </form>
            """);
    }

    public static IResult Rated(string shopName, int rating) => Page(StatusCodes.Status200OK, "Thank you",
        rating <= 2
            ? $"<p>Thank you for telling us, and we are sorry. Someone from {Encode(shopName)} will be in touch to put it right.</p>"
            : $"<p>Thank you for rating your order {rating} of 5.</p>");

    public static IResult Newsletter(string shopName) => Page(StatusCodes.Status200OK, "Newsletter", $"""
        <p>Would you like to get the {Encode(shopName)} newsletter?</p>
        <form method="post"><button type="submit">Yes, sign me up</button></form>
        <p>You can unsubscribe from any newsletter with one click.</p>
        """);

    public static IResult Subscribed(string shopName) => Page(StatusCodes.Status200OK, "Subscribed",
        $"<p>Thank you: you will get the {Encode(shopName)} newsletter.</p>");

    private static string Describe(DelayOption option) => option switch
    {
        DelayOption.Wait => "wait for the whole order",
        DelayOption.Cancel => "cancel the order",
        DelayOption.Partial => "send what is ready now",
        _ => "send a similar item instead",
    };

    private static string RatingWords(int rating) => rating switch
    {
        5 => "very happy",
        4 => "happy",
        3 => "it was all right",
        2 => "unhappy",
        _ => "very unhappy",
    };

    private static string Capitalised(string text) => char.ToUpperInvariant(text[0]) + text[1..];

    private static string Checked(bool isChecked) => isChecked ? " checked" : "";

    private static IResult Page(int status, string title, string body) => Results.Content(
        $$"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
        <meta name="robots" content="noindex"><title>{{Encode(title)}}</title>
        <style>body { font-family: Arial, sans-serif; max-width: 480px; margin: 48px auto; padding: 0 16px; line-height: 1.4; }
        fieldset { margin: 0 0 16px; } button { font-size: 1rem; padding: 8px 16px; }</style></head>
        <body><h1>{{Encode(title)}}</h1>{{body}}</body></html>
        """,
        "text/html; charset=utf-8",
        statusCode: status);

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
