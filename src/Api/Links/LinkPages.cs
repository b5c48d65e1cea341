using System.Net;

namespace Orleans.Recovery.Api.Links;

/// <summary>The small HTML pages a shopper sees after following a link from an email.</summary>
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

    public static IResult DelayAnswered(string shopName, Orleans.Recovery.Orders.DelayOption choice) => Page(StatusCodes.Status200OK, "Thank you",
        $"<p>Thank you. {Encode(shopName)} has your answer: {Encode(choice switch
        {
            Orleans.Recovery.Orders.DelayOption.Wait => "you will wait for the whole order",
            Orleans.Recovery.Orders.DelayOption.Cancel => "cancel the order",
            Orleans.Recovery.Orders.DelayOption.Partial => "send what is ready now",
            _ => "send a similar item instead",
        })}. You can pick another option from the email until we act on it.</p>");

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

    private static IResult Page(int status, string title, string body) => Results.Content(
        $"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
        <meta name="robots" content="noindex"><title>{Encode(title)}</title></head>
        <body style="font-family: Arial, sans-serif; max-width: 480px; margin: 48px auto;"><h1>{Encode(title)}</h1>{body}</body></html>
        """,
        "text/html; charset=utf-8",
        statusCode: status);

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
