using System.ComponentModel;
using System.Diagnostics;
using CallControl.Billing.Rating;
using CallControl.Host.Billing;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CallControl.Host.Cli;

public sealed class RerateSettings : PeriodSettings
{
    [CommandOption("--dry-run")]
    [Description("Show the differences without recording them")]
    public bool DryRun { get; init; }
}

/// <summary><c>callcontrol rerate --from --to</c>: reprices the rated calls with the tariffs in force; records the differences.</summary>
public sealed class RerateCommand : AsyncCommand<RerateSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, RerateSettings settings, CancellationToken ct)
    {
        using var cli = await BillingCli.OpenAsync(settings);
        var watch = Stopwatch.StartNew();
        ReRatingRun? run = null;
        await AnsiConsole.Progress().AutoClear(false).StartAsync(async progress =>
        {
            var task = progress.AddTask(settings.DryRun ? "re-rating (dry run)" : "re-rating", maxValue: 1);
            var reporter = new Progress<(int Done, int Total)>(p => { task.MaxValue = Math.Max(1, p.Total); task.Value = p.Done; });
            run = await cli.ReRating.RunAsync(settings.Period, settings.Account, settings.DryRun, reporter, ct);
            task.MaxValue = Math.Max(1, run.Results.Count);
            task.Value = task.MaxValue;
        });
        watch.Stop();
        var changed = run!.Results.Where(r => r.Outcome is ReRatingOutcome.Debit or ReRatingOutcome.Credit).ToList();
        if (changed.Count > 0)
        {
            var table = new Table().AddColumns("call", "account", "destination", "start", "was", "now", "difference", "why");
            foreach (var r in changed.Take(200))
                table.AddRow(Markup.Escape(r.Facts.Call.Value), Markup.Escape(r.Facts.AccountId), Markup.Escape(r.Facts.Destination), Markup.Escape(r.Facts.Start.ToString()),
                    BillingText.Money(r.Facts.PreviousCharge), BillingText.Money(r.NewCharge), BillingText.Money(r.Difference), Markup.Escape(r.Detail));
            AnsiConsole.Write(table);
            if (changed.Count > 200) AnsiConsole.MarkupLine($"... and {changed.Count - 200} more");
        }
        foreach (var r in run.Results.Where(r => r.Outcome == ReRatingOutcome.NotRated).Take(20))
            AnsiConsole.MarkupLineInterpolated($"[yellow]not re-rated[/] {r.Facts.Call.Value}: {r.Detail}");
        var rate = run.Results.Count / Math.Max(watch.Elapsed.TotalSeconds, 0.001);
        AnsiConsole.MarkupLineInterpolated(
            $"{run.Results.Count} call(s) re-rated in {watch.Elapsed.TotalSeconds:0.00}s ({rate:0} calls/s); {changed.Count} changed, difference {BillingText.Money(changed.Sum(r => r.Difference))}; {(settings.DryRun ? "dry run: nothing recorded" : run.Applied ? $"{run.Changed} CallReRated event(s) recorded" : "nothing to record")}");
        return 0;
    }
}
