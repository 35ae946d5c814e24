using System.ComponentModel;
using System.Globalization;
using CallControl.Host.Billing;
using NodaTime.Text;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CallControl.Host.Cli;

public class PeriodSettings : CommonSettings
{
    [CommandOption("--from <DATE>")]
    [Description("First day (2026-11-01, UTC) or an instant")]
    public string? From { get; init; }

    [CommandOption("--to <DATE>")]
    [Description("Last day, included (2026-11-30, UTC) or an instant, excluded")]
    public string? To { get; init; }

    [CommandOption("--account <ID>")]
    [Description("Only this account")]
    public string? Account { get; init; }

    public NodaTime.Interval Period => BillingText.ParsePeriod(From, To, out _)!.Value;

    public override ValidationResult Validate() =>
        BillingText.ParsePeriod(From, To, out var error) is null ? ValidationResult.Error(error!) : base.Validate();
}

public sealed class ReportRatingSettings : PeriodSettings
{
    [CommandOption("--format <FORMAT>")]
    [Description("table (default) or csv")]
    public string Format { get; init; } = "table";

    [CommandOption("--chart <FILE>")]
    [Description("Also write the cost-per-day chart (HTML with inline SVG) to this file")]
    public string? Chart { get; init; }

    public override ValidationResult Validate() =>
        Format is not ("table" or "csv") ? ValidationResult.Error($"--format: '{Format}' is not table or csv") : base.Validate();
}

/// <summary><c>callcontrol report rating --from --to</c>: calls, minutes and cost by account, destination prefix and day.</summary>
public sealed class ReportRatingCommand : AsyncCommand<ReportRatingSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ReportRatingSettings settings, CancellationToken ct)
    {
        using var cli = await BillingCli.OpenAsync(settings);
        var rows = await cli.Queries.RatingReportAsync(settings.Period, settings.Account, ct);
        if (settings.Chart is not null)
        {
            var days = await cli.Queries.CostPerDayAsync(settings.Period, settings.Account, ct);
            await File.WriteAllTextAsync(settings.Chart, BillingText.CostPerDayHtml(days, settings.Period, settings.Account), ct);
        }
        if (settings.Format == "csv")
        {
            await BillingText.WriteReportCsvAsync(Console.Out, rows);
            return 0;
        }
        var c = CultureInfo.InvariantCulture;
        var table = new Table().AddColumns("account", "prefix", "day", "calls", "minutes", "cost");
        foreach (var r in rows)
            table.AddRow(Markup.Escape(r.AccountId), Markup.Escape(r.Prefix), LocalDatePattern.Iso.Format(r.Day), r.Calls.ToString(c), r.Minutes.ToString(c),
                Markup.Escape($"{BillingText.Money(r.Cost)} {r.Currency}"));
        foreach (var total in rows.GroupBy(r => r.Currency))
            table.AddRow("[bold]total[/]", "", "", total.Sum(r => r.Calls).ToString(c), total.Sum(r => r.Minutes).ToString(c),
                Markup.Escape($"{BillingText.Money(total.Sum(r => r.Cost))} {total.Key}"));
        AnsiConsole.Write(table);
        if (settings.Chart is not null) AnsiConsole.MarkupLineInterpolated($"chart written to {settings.Chart}");
        return 0;
    }
}
