using CallControl.Billing.Accounts;
using CallControl.Billing.Csv;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace CallControl.Host.Billing;

public static class BillingServices
{
    /// <summary>Billing state, administration and queries, and the start-up that loads them before SIP opens
    /// (register before <c>SipService</c>: hosted services start in registration order). The
    /// <see cref="ReservationSweeper"/> is registered by the host after <c>CallRecovery</c>: its first pass must see the
    /// calls taken back after a restart, whose holds it must not release.</summary>
    public static IServiceCollection AddBilling(this IServiceCollection services)
    {
        services.AddSingleton<BillingLog>();
        services.AddSingleton<LiveBilling>();
        services.AddSingleton<BillingAdmin>();
        services.AddSingleton<BillingQueries>();
        services.AddSingleton<ReRatingService>();
        services.AddSingleton<InvoiceService>();
        services.AddSingleton<CreditGuard>();
        services.AddHostedService<BillingStartup>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveBilling>());
        return services;
    }
}

/// <summary>
/// At <c>--demo</c>: imports the demo tariffs (src/Host/Demo/tariffs, CGRateS CSV, EUR, UTC) and opens the demo accounts,
/// both idempotently (a restart records nothing new). Always: loads the billing state before SIP opens.
/// </summary>
internal sealed class BillingStartup(ControllerSettings settings, BillingAdmin admin, LiveBilling billing, ILogger<BillingStartup> logger) : IHostedService
{
    /// <summary>Demo plan versions are in force from here, so calls of any recent date can be rated and re-rated.</summary>
    public static readonly Instant DemoTariffsEffectiveFrom = Instant.FromUtc(2020, 1, 1, 0, 0);

    public static string DemoTariffFolder => Path.Combine(AppContext.BaseDirectory, "Demo", "tariffs");

    public async Task StartAsync(CancellationToken ct)
    {
        if (settings.Demo) await LoadDemoAsync(admin, logger, ct);
        await billing.RefreshAsync(ct);
    }

    public static async Task LoadDemoAsync(BillingAdmin admin, ILogger logger, CancellationToken ct = default)
    {
        var outcome = await admin.ImportTariffsAsync(DemoTariffFolder, new TariffImportOptions("EUR"), DemoTariffsEffectiveFrom, ct: ct);
        if (!outcome.IsValid) throw new InvalidOperationException($"demo tariffs: {string.Join("; ", outcome.Errors)}");
        var acme = await admin.OpenAccountAsync("acme", AccountKind.Postpaid, "EUR", creditLimit: 1000m, ct: ct);
        var globex = await admin.OpenAccountAsync("globex", AccountKind.Prepaid, "EUR", creditLimit: null, initialBalance: 1.00m, ct: ct);
        logger.LogInformation("Demo billing applied: {Tariffs} tariff events, {Accounts} account events", outcome.Events.Count, acme.Count + globex.Count);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
