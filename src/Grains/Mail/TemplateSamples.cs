using Orleans.Recovery.Carts;
using Orleans.Recovery.Orders;

namespace Orleans.Recovery.Mail;

/// <summary>
/// Models with every field a template can use set, for checking an operator's template before it is used: a template
/// that stays within the limits for an empty model can still pass them for the first real cart (a loop over its lines).
/// </summary>
internal static class TemplateSamples
{
    private const string Link = "https://shop.example/r/sample-link-token-of-a-realistic-length-0123456789abcdefghijklmnopqrstuvwxyz";

    private static readonly BrandModel Brand = new("Sample Shop", "https://shop.example/logo.png", 160, "#1a73e8", "#ffffff", "Sample Shop GmbH\nExample Street 1\n12345 Example City");

    private static readonly OrderMailLine[] OrderLines =
    [
        new("BEANS-1KG", "Espresso beans 1 kg", 2, "€18.90", "€37.80"),
        new("MUG-BLUE", "Blue mug", 1, "€7.08", "€7.08"),
        new("FILTER-100", "Paper filters, 100 pieces", 3, "€2.50", "€7.50"),
    ];

    /// <summary>No model, a cart's reminder and an order's mail with every part (payment, shipment, delay, review, alert).</summary>
    public static IReadOnlyList<object?> All { get; } = [null, Cart(), Order()];

    private static T Basics<T>(T model) where T : MailModel => model with
    {
        FirstName = "Ana",
        ShopName = Brand.Name,
        ReplyTo = "help@shop.example",
        SupportPhone = "+49 30 1234567",
        Language = "en",
        UnsubscribeUrl = Link,
        Coupon = new CouponModel("COMEBACK-7Q2X9", "10%", "Monday, 14 December 2026"),
        Signature = new SignatureModel("Jill Magso", "Customer care", "https://shop.example/jill.png"),
        Brand = Brand,
    };

    private static CartReminderModel Cart() => Basics(new CartReminderModel
    {
        Step = 2,
        StepCount = 3,
        IsLastStep = false,
        Items = [.. OrderLines.Select(line => new CartReminderLine(line.Name, line.Quantity, line.UnitPrice, line.LineTotal, "https://shop.example/img/" + line.Sku + ".jpg", "https://shop.example/p/" + line.Sku))],
        Subtotal = "€52.38",
        Shipping = "€4.90",
        Total = "€57.28",
        RestoreUrl = Link,
        Faq =
        [
            new FaqEntry { Question = "How long does delivery take?", Answer = "Two to three working days within Germany." },
            new FaqEntry { Question = "Can I return my order?", Answer = "Yes, within 30 days, free of charge." },
        ],
    });

    private static OrderMailModel Order() => Basics(new OrderMailModel
    {
        OrderId = "SAMPLE-1001",
        Items = OrderLines,
        Subtotal = "€52.38",
        Shipping = "€4.90",
        Tax = "€9.15",
        Total = "€57.28",
        CouponCode = "COMEBACK-7Q2X9",
        ExpectedShipDate = "Wednesday, 9 December 2026",
        Guarantees = ["Free returns within 30 days", "Secure payment"],
        Payment = new PaymentMailModel("card_expired", Link, ["PayPal", "Bank transfer"], 1, 3, false),
        Shipment = new ShipmentMailModel("DHL", "00340434161234567890", "https://tracking.example/00340434161234567890", "Thursday, 10 December 2026", OrderLines),
        Delay = new DelayMailModel("supplier delay", "Friday, 18 December 2026", OrderLines[..1], [new("wait", Link), new("cancel", Link), new("partial", Link), new("substitute", Link)]),
        DeliveredOn = "Thursday, 10 December 2026",
        Review = new ReviewMailModel([.. Enumerable.Range(1, 5).Select(value => new RatingLink(value, Link))], Link),
        Alert = new FeedbackAlertModel(2, "Ana Example", "ana@example.com", "The mug arrived chipped."),
    });
}
