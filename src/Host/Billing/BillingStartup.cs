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
        services.AddSingleton<CardLockouts>();
        services.AddSingleton<CardGuard>();
        services.AddSingleton<CardAdmin>();
        services.AddHostedService<BillingStartup>();
        services.AddHostedService(sp => sp.GetRequiredService<CardLockouts>());
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

    /// <summary>The demo calling card (README, "Calling cards"): dial <c>+318002273*4242424242*destination</c> (acme:
    /// <c>08002273*4242424242*0201234567</c>). Its PIN is public: it is a demo.</summary>
    public const string DemoCardId = "card-demo", DemoCardPin = "4242424242";
    public const decimal DemoCardBalance = 5.00m;
    public static readonly Instant DemoCardExpiresAt = Instant.FromUtc(2037, 1, 1, 0, 0);

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
        var card = await admin.Locked<IReadOnlyList<object>>(async (session, state) =>
        {
            await Task.CompletedTask;
            if (state.Accounts.ContainsKey(DemoCardId)) return ([], false);
            var issued = CallControl.Billing.Cards.CallingCards.Issue(null,
                new CallControl.Billing.Cards.IssueCard(DemoCardId, DemoCardPin, "EUR", DemoCardBalance, DemoCardExpiresAt, 1),
                state.CardsByPinIndex.ContainsKey, admin.Now());
            if (!issued.IsValid) throw new InvalidOperationException($"demo card: {issued.Field}: {issued.Error}");
            session.Events.Append(CallControl.Projections.Billing.BillingStreams.Account(DemoCardId), issued.Events.ToArray());
            return (issued.Events, true);
        }, ct);
        logger.LogInformation("Demo billing applied: {Tariffs} tariff events, {Accounts} account events", outcome.Events.Count, acme.Count + globex.Count + card.Count);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
