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
