using System.ComponentModel;
using System.Diagnostics;
using CallControl.Host.Billing;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CallControl.Host.Cli;

/// <summary>Development tools, hidden from the help (<c>callcontrol dev ...</c>): never point them at a production store.</summary>
public static class DevCommands
{
    public static void Register(IConfigurator config) =>
        config.AddBranch("dev", dev =>
        {
            dev.HideBranch();
            dev.SetDescription("Development tools (benchmarks); not for production stores");
            dev.AddCommand<SeedCdrsCommand>("seed-cdrs").WithDescription("Fill a throw-away store with rated calls (re-rating benchmark)");
            dev.AddCommand<BillingLoadCommand>("billing-load").WithDescription("Time the billing start-up load: every event vs checkpoint + the rest; compare balances");
            dev.AddCommand<ProvisionTimingCommand>("provision-timing").WithDescription("Time a DID reassignment on a generated cloud of a million DIDs");
        });
}

public sealed class SeedCdrsSettings : CommonSettings
{
    [CommandOption("--calls <N>")]
    [Description("How many rated calls to record (default 1000000)")]
    public int Calls { get; init; } = 1_000_000;

    [CommandOption("--account <ID>")]
    [Description("The postpaid account they are charged to (opened if missing; default bench)")]
    public string Account { get; init; } = "bench";

    [CommandOption("--from <INSTANT>")]
    [Description("Start of the first call (default 2026-01-01T00:00:00Z); calls start 2 s apart")]
    public string From { get; init; } = "2026-01-01T00:00:00Z";

    [CommandOption("--batch <N>")]
    [Description("Calls per transaction (default 2000)")]
    public int Batch { get; init; } = 2000;

    public override ValidationResult Validate()
    {
        if (Calls <= 0) return ValidationResult.Error($"--calls: {Calls} must be positive");
        if (Batch <= 0) return ValidationResult.Error($"--batch: {Batch} must be positive");
        if (BillingText.ParseInstant(From) is null) return ValidationResult.Error($"--from: '{From}' is not an ISO instant such as 2026-01-01T00:00:00Z");
        return base.Validate();
    }
}

/// <summary><c>callcontrol dev seed-cdrs --calls 1000000</c>: see <see cref="RatedCallSeeder"/>.</summary>
public sealed class SeedCdrsCommand : AsyncCommand<SeedCdrsSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, SeedCdrsSettings settings, CancellationToken ct)
    {
        using var cli = await BillingCli.OpenAsync(settings);
        var seeder = new RatedCallSeeder(cli.Store, cli.Admin, cli.Log);
        var watch = Stopwatch.StartNew();
        var seeded = 0;
        await AnsiConsole.Progress().AutoClear(false).StartAsync(async progress =>
        {
            var task = progress.AddTask("seeding rated calls", maxValue: settings.Calls);
            seeded = await seeder.SeedAsync(settings.Account, settings.Calls, BillingText.ParseInstant(settings.From)!.Value, settings.Batch,
                new Progress<int>(n => task.Value = n), ct);
            task.Value = settings.Calls;
        });
        AnsiConsole.MarkupLineInterpolated($"{seeded} rated call(s) recorded for account {settings.Account} in {watch.Elapsed.TotalSeconds:0.0}s ({seeded / Math.Max(watch.Elapsed.TotalSeconds, 0.001):0} calls/s)");
        return 0;
    }
}

public sealed class BillingLoadSettings : CommonSettings
{
    [CommandOption("--checkpoint")]
    [Description("Write a checkpoint of the log as it is now first (what a running controller does every 5 min)")]
    public bool Checkpoint { get; init; }
}

/// <summary><c>callcontrol dev billing-load [--checkpoint]</c>: times the full fold (<see cref="BillingLog.LoadAsync"/>) and
/// the start-up load (<see cref="BillingLog.LoadFoldAsync"/>: checkpoint + events after it), and checks that both give the
/// same balances, holds and cards. Exit 1 when they differ.</summary>
public sealed class BillingLoadCommand : AsyncCommand<BillingLoadSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, BillingLoadSettings settings, CancellationToken ct)
    {
        using var cli = await BillingCli.OpenAsync(settings);
        if (settings.Checkpoint)
        {
            var w = Stopwatch.StartNew();
            var fold = await cli.Log.LoadFoldAsync(LiveBilling.Lookback, ct);
            await cli.Log.SaveCheckpointAsync(fold, ct);
            AnsiConsole.MarkupLineInterpolated($"checkpoint written at event {fold.State.Sequence} ({fold.Folded} events folded) in {w.Elapsed.TotalSeconds:0.00}s");
        }
        var watch = Stopwatch.StartNew();
        var start = await cli.Log.LoadFoldAsync(LiveBilling.Lookback, ct);
        var startSeconds = watch.Elapsed.TotalSeconds;
        AnsiConsole.MarkupLineInterpolated($"start-up load (checkpoint + {start.Folded} events): {startSeconds:0.00}s, {start.State.Accounts.Count} accounts");
        watch.Restart();
        var full = await cli.Log.LoadAsync(ct: ct);
        AnsiConsole.MarkupLineInterpolated($"full fold (every billing event): {watch.Elapsed.TotalSeconds:0.00}s, {full.Accounts.Values.Sum(a => a.ChargedCount)} charges");
        var differ = full.Accounts.Values.Where(a => !start.State.Accounts.TryGetValue(a.AccountId, out var b)
            || a.Balance != b.Balance || a.CreditLimit != b.CreditLimit || a.ChargedCount != b.ChargedCount || a.Card != b.Card
            || !a.Reservations.OrderBy(r => r.Key.Value).SequenceEqual(b.Reservations.OrderBy(r => r.Key.Value))).Select(a => a.AccountId).ToList();
        if (!full.Book.PlanIds.Order().SequenceEqual(start.State.Book.PlanIds.Order())) differ.Add("the tariff book");
        if (differ.Count > 0 || full.Accounts.Count != start.State.Accounts.Count)
        {
            Console.Error.WriteLine($"billing-load: the two loads differ for {string.Join(", ", differ)}");
            return 1;
        }
        AnsiConsole.MarkupLineInterpolated($"same balances, holds and cards for all {full.Accounts.Count} accounts");
        return 0;
    }
}
