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
            // Reported once per page of rated CDRs (ReRatingService.PageSize), not per call.
            var reporter = new Progress<(int Done, int Total)>(p => { task.MaxValue = Math.Max(1, p.Total); task.Value = p.Done; });
            run = await cli.ReRating.RunAsync(settings.Period, settings.Account, settings.DryRun, reporter, ct);
            task.MaxValue = Math.Max(1, run.Calls);
            task.Value = task.MaxValue;
        });
        watch.Stop();
        if (run!.ChangedSample.Count > 0)
        {
            var table = new Table().AddColumns("call", "account", "destination", "start", "was", "now", "difference", "why");
            foreach (var r in run.ChangedSample)
                table.AddRow(Markup.Escape(r.Facts.Call.Value), Markup.Escape(r.Facts.AccountId), Markup.Escape(r.Facts.Destination), Markup.Escape(r.Facts.Start.ToString()),
                    BillingText.Money(r.Facts.PreviousCharge), BillingText.Money(r.NewCharge), BillingText.Money(r.Difference), Markup.Escape(r.Detail));
            AnsiConsole.Write(table);
            if (run.Changed > run.ChangedSample.Count) AnsiConsole.MarkupLine($"... and {run.Changed - run.ChangedSample.Count} more");
        }
        foreach (var r in run.NotRatedSample.Take(20))
            AnsiConsole.MarkupLineInterpolated($"[yellow]not re-rated[/] {r.Facts.Call.Value}: {r.Detail}");
        if (run.NotRated > 20) AnsiConsole.MarkupLine($"... and {run.NotRated - 20} more not re-rated");
        var rate = run.Calls / Math.Max(watch.Elapsed.TotalSeconds, 0.001);
        AnsiConsole.MarkupLineInterpolated(
            $"{run.Calls} call(s) re-rated in {watch.Elapsed.TotalSeconds:0.00}s ({rate:0} calls/s); {run.Changed} changed, difference {BillingText.Money(run.Difference)}; {(settings.DryRun ? "dry run: nothing recorded" : run.Applied ? $"{run.Changed} CallReRated event(s) recorded" : "nothing to record")}");
        AnsiConsole.MarkupLineInterpolated(
            $"[grey]reading {run.Timings.Reading.TotalSeconds:0.00}s, rating {run.Timings.Rating.TotalSeconds:0.00}s, recording {run.Timings.Recording.TotalSeconds:0.00}s[/]");
        return 0;
    }
}
