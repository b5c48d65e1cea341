using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Coupons;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Feedback;
using Orleans.Recovery.Orders;
using Orleans.Recovery.Flows;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Links;
using Orleans.Recovery.Mail;
using Orleans.Recovery.Mail.Bounces;
using Orleans.Recovery.Retention;
using Orleans.Recovery.Storage;
using Orleans.Recovery.Telemetry;
using Orleans.Reminders;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery;

public static class RecoveryServices
{
    /// <summary>
    /// What a process that serves the public links needs, silo or not: the link-signing key, and the templates, brand
    /// and sender's name the pages are rendered with. An API process that is a cluster client registers only this; the silos send the mail.
    /// </summary>
    /// <param name="services">The silo's or API process's services.</param>
    /// <param name="signingKeyMayBeGenerated">
    /// True for one process on its own files: a missing link-signing key is generated into its key file. A cluster's
    /// processes must share one configured key instead, or links signed by one silo would be refused by another API.
    /// </param>
    public static IServiceCollection AddRecoveryLinks(this IServiceCollection services, bool signingKeyMayBeGenerated)
    {
        services.AddOptions<SenderOptions>().BindConfiguration(SenderOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<BrandOptions>().BindConfiguration(BrandOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<MailTemplateOptions>().BindConfiguration(MailTemplateOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // Loaded as the process starts and scanned on a timer of its own: grains render without reading a file.
        services.TryAddSingleton<TemplateStore>();
        services.AddHostedService(provider => provider.GetRequiredService<TemplateStore>());
        services.TryAddSingleton<MailTemplates>();
        services.AddOptions<LinkOptions>()
            .Configure<IConfiguration, IHostEnvironment>((options, configuration, environment) =>
            {
                options.PublicBaseUrl = configuration["Recovery:PublicBaseUrl"] ?? options.PublicBaseUrl;
                configuration.GetSection(LinkOptions.Section).Bind(options);
                options.SigningKeyMayBeGenerated = signingKeyMayBeGenerated;
                options.IsDevelopment = environment.IsDevelopment();
            })
            .PostConfigure(options => options.ResolveKey())
            .ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);

        // The business clock: reminders, links, flows and mail all read this one, and tests move it.
        services.TryAddKeyedSingleton(ReminderTimeProviderNames.Reminders, TimeProvider.System);
        services.TryAddSingleton<LinkTokens>();

        // Customer keys: an HMAC of the address under a secret of the deployment, so the address alone finds nothing.
        services.AddOptions<PrivacyOptions>()
            .BindConfiguration(PrivacyOptions.Section)
            .Configure<IHostEnvironment>((options, environment) =>
            {
                options.IsDevelopment = environment.IsDevelopment();
                options.SecretMayBeGenerated = environment.IsDevelopment() && signingKeyMayBeGenerated;
            })
            .PostConfigure(options => options.ResolveSecret())
            .ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<CustomerKeys>();
        services.TryAddSingleton<ICustomerKeyForm>(provider => provider.GetRequiredService<CustomerKeys>());

        // Bounces and complaints: the ESPs' webhooks land on any API process, the bounce mailbox is read by the silos.
        services.AddOptions<BounceOptions>().BindConfiguration(BounceOptions.Section)
            .Configure<IHostEnvironment>((options, environment) => options.IsDevelopment = environment.IsDevelopment())
            .ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<MailEvents>();

        // A process that serves calls logs a database outage once, however many calls it refuses, and hears of one
        // from another process of the cluster.
        services.TryAddSingleton<StorageOutage>();
        services.AddStorageFaultSerialization();
        return services;
    }

    /// <summary>Options and services the grains need: flows, mail, templates and signed links. Validated at start.</summary>
    public static IServiceCollection AddRecoveryGrainServices(this IServiceCollection services, bool signingKeyMayBeGenerated = true)
    {
        services.AddRecoveryLinks(signingKeyMayBeGenerated);
        services.AddOptions<FlowsOptions>()
            .Configure<IConfiguration, MailTemplates>((options, configuration, templates) =>
            {
                options.Bind(configuration);
                options.TemplateExists = templates.Exists;
            })
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<FrequencyCapOptions>().BindConfiguration(FrequencyCapOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ConsentOptions>().BindConfiguration(ConsentOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<QuietHoursOptions>().BindConfiguration(QuietHoursOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SmtpOptions>().BindConfiguration(SmtpOptions.Section)
            .Configure<IHostEnvironment>((options, environment) => options.IsDevelopment = environment.IsDevelopment())
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DkimOptions>().BindConfiguration(DkimOptions.Section)
            .PostConfigure<IOptions<SenderOptions>>((dkim, sender) => dkim.FromAddress = sender.Value.FromAddress)
            .ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<DkimSigning>();
        services.AddOptions<MailCheckOptions>().BindConfiguration(MailCheckOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ContentOptions>().BindConfiguration(ContentOptions.Section);

        // A call that fails leaves nothing unsaved in memory: its activation goes, and the next call reloads it.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IIncomingGrainCallFilter, FailedCallGuard>());

        services.TryAddSingleton<MailComposer>();
        services.TryAddSingleton<CouponCodes>();
        services.TryAddSingleton<CartReminderMail>();
        services.TryAddSingleton<OrderMail>();
        services.TryAddSingleton<PendingFollowUps>();
        services.TryAddSingleton<FlowCatalog>();
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<IStoredGrains, NoStoredGrains>();
        services.TryAddSingleton<RecoveryMetrics>();
        services.TryAddSingleton<ILedgerMetrics>(provider => provider.GetRequiredService<RecoveryMetrics>());
        services.TryAddSingleton<UnsettledHandOffs>();
        services.AddKeyedSingleton<Orleans.Providers.IControllable, UncommittedHoldings>(UncommittedHoldings.Name);
        services.AddHostedService(provider => provider.GetRequiredService<UnsettledHandOffs>());
        services.TryAddSingleton<FollowUpServices>();
        services.TryAddSingleton<MailSender>();
        if (!services.Any(service => service.ServiceType == typeof(BounceMailbox)))
        {
            services.AddSingleton<BounceMailbox>();
            services.AddHostedService(provider => provider.GetRequiredService<BounceMailbox>());
        }
        services.AddOptions<AlertOptions>().BindConfiguration(AlertOptions.Section)
            .Configure<IHostEnvironment>((options, environment) => options.IsDevelopment = environment.IsDevelopment())
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient<AlertWebhook>(client => client.Timeout = TimeSpan.FromSeconds(10));
        services.TryAddSingleton<IMailTransport>(provider =>
            provider.GetRequiredService<IOptions<SmtpOptions>>().Value.UsesPickupDirectory
                ? ActivatorUtilities.CreateInstance<PickupDirectoryMailTransport>(provider)
                : ActivatorUtilities.CreateInstance<SmtpMailTransport>(provider));
        return services;
    }
}
