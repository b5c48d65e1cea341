using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Flows;
using Orleans.Recovery.Links;
using Orleans.Recovery.Mail;

namespace Orleans.Recovery;

public static class RecoveryServices
{
    /// <summary>Options and services the grains need: flows, mail, templates and signed links. Validated at start.</summary>
    public static IServiceCollection AddRecoveryGrainServices(this IServiceCollection services)
    {
        services.AddOptions<FlowsOptions>()
            .Configure<IConfiguration>((options, configuration) => options.Bind(configuration))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SmtpOptions>().BindConfiguration(SmtpOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SenderOptions>().BindConfiguration(SenderOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ContentOptions>().BindConfiguration(ContentOptions.Section);
        services.AddOptions<LinkOptions>()
            .Configure<IConfiguration>((options, configuration) =>
            {
                options.PublicBaseUrl = configuration["Recovery:PublicBaseUrl"] ?? options.PublicBaseUrl;
                configuration.GetSection(LinkOptions.Section).Bind(options);
            })
            .ValidateDataAnnotations().ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<LinkTokens>();
        services.TryAddSingleton(_ => new MailTemplates());
        services.TryAddSingleton<CartReminderMail>();
        services.TryAddSingleton<IMailTransport>(provider =>
            provider.GetRequiredService<IOptions<SmtpOptions>>().Value.UsesPickupDirectory
                ? ActivatorUtilities.CreateInstance<PickupDirectoryMailTransport>(provider)
                : ActivatorUtilities.CreateInstance<SmtpMailTransport>(provider));
        return services;
    }
}
