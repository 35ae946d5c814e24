using System.ComponentModel;
using CallControl.Billing.Csv;
using CallControl.Billing.Tariffs;
using CallControl.Host.Billing;
using NodaTime;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CallControl.Host.Cli;

public sealed class TariffsImportSettings : CommonSettings
{
    [CommandArgument(0, "<FOLDER>")]
    [Description("Folder with the CGRateS files (Destinations.csv, Rates.csv, DestinationRates.csv, Timings.csv, RatingPlans.csv, RatingProfiles.csv)")]
    public string Folder { get; init; } = "";

    [CommandOption("--zone <TZ>")]
    [Description("TZDB zone of the timings and of activation times without offset (default UTC)")]
    public string? Zone { get; init; }

    [CommandOption("--currency <CODE>")]
    [Description("Currency of every price in the files (default EUR)")]
    public string Currency { get; init; } = "EUR";

    [CommandOption("--effective-from <INSTANT>")]
    [Description("Changed plans get a new version in force for calls from this instant (default now; earlier = a correction re-rating picks up)")]
    public string? EffectiveFrom { get; init; }

    [CommandOption("--dry-run")]
    [Description("Check the files and show what would be recorded")]
    public bool DryRun { get; init; }

    public override ValidationResult Validate()
    {
        if (Zone is not null && DateTimeZoneProviders.Tzdb.GetZoneOrNull(Zone) is null) return ValidationResult.Error($"--zone: '{Zone}' is not a TZDB zone such as Europe/Amsterdam");
        if (Currency.Length != 3 || !Currency.All(char.IsAsciiLetterUpper)) return ValidationResult.Error($"--currency: '{Currency}' is not an ISO 4217 code such as EUR");
        if (EffectiveFrom is not null && BillingText.ParseInstant(EffectiveFrom) is null) return ValidationResult.Error($"--effective-from: '{EffectiveFrom}' is not an ISO instant such as 2026-11-01T00:00:00Z");
        return base.Validate();
    }
}

/// <summary><c>callcontrol tariffs import FOLDER</c>: records changed plans as new versions and new profile rows; errors name file, line and field.</summary>
public sealed class TariffsImportCommand : AsyncCommand<TariffsImportSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, TariffsImportSettings settings, CancellationToken ct)
    {
        if (!Directory.Exists(settings.Folder)) return Exit.Usage($"tariffs import: no such folder '{settings.Folder}'");
        using var cli = await BillingCli.OpenAsync(settings);
        var outcome = await cli.Admin.ImportTariffsAsync(settings.Folder, new TariffImportOptions(settings.Currency, settings.Zone),
            BillingText.ParseInstant(settings.EffectiveFrom), settings.DryRun, ct);
        foreach (var w in outcome.Warnings) Console.Error.WriteLine($"warning: {Path.Combine(settings.Folder, w.File)}:{w.Line}: {w.Field}: {w.Message}");
        if (!outcome.IsValid)
        {
            foreach (var e in outcome.Errors) Console.Error.WriteLine($"{Path.Combine(settings.Folder, e.File)}:{e.Line}: {e.Field}: {e.Message}");
            return Exit.Usage($"tariffs import: {outcome.Errors.Count} error(s); nothing was recorded");
        }
        var table = new Table().AddColumns("stream", "event", "what");
        foreach (var e in outcome.Events)
        {
            switch (e)
            {
                case TariffPlanImported p:
                    table.AddRow(Markup.Escape($"tariff:{p.PlanId}"), "TariffPlanImported", Markup.Escape($"version {p.Version} in force from {p.EffectiveFrom}"));
                    break;
                case RatingProfileAssigned r:
                    table.AddRow(Markup.Escape($"ratingprofile:{r.AccountId}"), "RatingProfileAssigned", Markup.Escape($"{r.PlanId} from {r.ActivatesAt}"));
                    break;
            }
        }
        if (outcome.Events.Count > 0) AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(settings.DryRun ? $"{outcome.Events.Count} event(s) would be recorded (dry run)" : $"{outcome.Events.Count} event(s) recorded");
        return 0;
    }
}

public sealed class TariffsExportSettings : CommonSettings
{
    [CommandArgument(0, "<FOLDER>")]
    [Description("Folder to write the six CGRateS files into (created if missing)")]
    public string Folder { get; init; } = "";

    [CommandOption("--at <INSTANT>")]
    [Description("Export the plan versions in force at this instant (default now)")]
    public string? At { get; init; }

    public override ValidationResult Validate()
    {
        if (At is not null && BillingText.ParseInstant(At) is null) return ValidationResult.Error($"--at: '{At}' is not an ISO instant such as 2026-11-01T00:00:00Z");
        return base.Validate();
    }
}

/// <summary><c>callcontrol tariffs export FOLDER</c>: the tariffs in force as CGRateS files (import them back and nothing changes).</summary>
public sealed class TariffsExportCommand : AsyncCommand<TariffsExportSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, TariffsExportSettings settings, CancellationToken ct)
    {
        using var cli = await BillingCli.OpenAsync(settings);
        var files = await cli.Admin.ExportTariffsAsync(BillingText.ParseInstant(settings.At), null, ct);
        try
        {
            files.WriteFolder(settings.Folder);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Exit.Usage($"tariffs export: cannot write '{settings.Folder}': {ex.Message}");
        }
        AnsiConsole.MarkupLineInterpolated($"tariffs written to {settings.Folder}");
        return 0;
    }
}
