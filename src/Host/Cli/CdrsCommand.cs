using System.ComponentModel;
using System.Globalization;
using CallControl.Host.Calls;
using CallControl.Projections.Cdrs;
using CsvHelper;
using NodaTime;
using NodaTime.Text;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CallControl.Host.Cli;

public sealed class CdrsSettings : CommonSettings
{
    [CommandOption("--format <FORMAT>")]
    [Description("table (default) or csv")]
    public string Format { get; init; } = "table";

    [CommandOption("--limit <N>")]
    [Description("How many of the most recent CDRs (default 50)")]
    public int Limit { get; init; } = 50;

    public override ValidationResult Validate() =>
        Format is not ("table" or "csv") ? ValidationResult.Error($"--format: '{Format}' is not table or csv")
        : Limit is < 1 or > 1_000_000 ? ValidationResult.Error($"--limit: {Limit} is not between 1 and 1000000")
        : base.Validate();
}

/// <summary><c>callcontrol cdrs</c>: the most recent call detail records.</summary>
public sealed class CdrsCommand : AsyncCommand<CdrsSettings>
{
    private static readonly InstantPattern Time = InstantPattern.CreateWithInvariantCulture("uuuu-MM-dd'T'HH:mm:ss.fff'Z'");

    public override async Task<int> ExecuteAsync(CommandContext context, CdrsSettings settings, CancellationToken ct)
    {
        using var store = settings.OpenStore();
        var cdrs = await new CallQueries(store).RecentCdrsAsync(settings.Limit, ct);
        if (settings.Format == "csv")
        {
            await using var csv = CsvWriter.Create(Console.Out, null, leaveOpen: true);
            foreach (var h in new[] { "call_id", "caller", "dialled", "source_pbx", "target", "tenant", "received_at", "answered_at", "ended_at", "duration_s", "disposition", "code", "reason", "ended_by" })
                csv.WriteField(h);
            await csv.EndRecordAsync();
            foreach (var c in cdrs)
            {
                foreach (var f in Row(c)) csv.WriteField(f);
                await csv.EndRecordAsync();
            }
            return 0;
        }
        var table = new Table().AddColumns("call-id", "caller", "dialled", "from", "to", "received", "dur s", "disposition", "code", "reason", "ended by");
        foreach (var c in cdrs)
        {
            var r = Row(c);
            table.AddRow(new[] { r[0], r[1], r[2], r[3], r[4], r[6], r[9], r[10], r[11], r[12], r[13] }.Select(Markup.Escape).ToArray());
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"{cdrs.Count} CDR(s)");
        return 0;
    }

    private static string[] Row(Cdr c) =>
    [
        c.CallId, c.Caller, c.Dialled, c.SourcePbxId ?? c.SourceGatewayId ?? c.Source,
        c.TargetId is null ? "" : $"{c.TargetKind}:{c.TargetId}", c.SourceTenantId ?? c.TargetTenantId ?? "",
        Time.Format(c.ReceivedAt), c.AnsweredAt is { } a ? Time.Format(a) : "", c.EndedAt is { } e ? Time.Format(e) : "",
        c.Duration.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture), c.Disposition,
        c.StatusCode?.ToString(CultureInfo.InvariantCulture) ?? "", c.Reason ?? "", c.EndedBy ?? "",
    ];
}
