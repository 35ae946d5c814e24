using System.ComponentModel;
using CallControl.Host.Provisioning;
using CallControl.Host.Routing;
using NodaTime;
using NodaTime.Text;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CallControl.Host.Cli;

public sealed class RouteSettings : CommonSettings
{
    [CommandOption("--from <PBX>")]
    [Description("The PBX the call would come from")]
    public string From { get; init; } = "";

    [CommandArgument(0, "<NUMBER>")]
    [Description("The number as the PBX would dial it")]
    public string Number { get; init; } = "";

    [CommandOption("--at <INSTANT>")]
    [Description("Use the routing tables as they were at this instant (ISO, e.g. 2026-11-26T14:02:00Z)")]
    public string? At { get; init; }

    [CommandOption("--http <URL>")]
    [Description("The running controller's HTTP API, asked for each gateway's live channel use (default: $CALLCONTROL_HTTP, else http://127.0.0.1:8080)")]
    public string? Http { get; init; }

    public string BaseUrl => Http ?? (Environment.GetEnvironmentVariable("CALLCONTROL_HTTP") is { Length: > 0 } v ? v : "http://127.0.0.1:8080");

    public override ValidationResult Validate()
    {
        if (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out _)) return ValidationResult.Error($"--http: '{BaseUrl}' is not an absolute URL");
        if (string.IsNullOrWhiteSpace(From)) return ValidationResult.Error("--from: name the PBX the call comes from");
        if (At is not null && !InstantPattern.ExtendedIso.Parse(At).Success)
            return ValidationResult.Error($"--at: '{At}' is not an ISO instant such as 2026-11-26T14:02:00Z");
        return base.Validate();
    }
}

/// <summary><c>callcontrol route --from PBX NUMBER [--at INSTANT]</c>: how a number would route (dry run / as of).</summary>
public sealed class RouteCommand : AsyncCommand<RouteSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, RouteSettings settings, CancellationToken ct)
    {
        using var store = settings.OpenStore();
        Instant? at = settings.At is null ? null : InstantPattern.ExtendedIso.Parse(settings.At).Value;
        var live = at is null ? await LiveChannelsAsync(settings.BaseUrl, ct) : null;
        var explanation = await new RouteQuery(new ProvisioningLog(store), store, SystemClock.Instance).ExplainAsync(settings.From, settings.Number, at, ct, live);
        if (explanation is null)
            return Exit.Usage($"route: PBX '{settings.From}' is not provisioned{(at is null ? "" : $" at {settings.At}")}");
        var asOf = explanation.TablesAsOf is { } t ? InstantPattern.ExtendedIso.Format(t) : "empty";
        AnsiConsole.MarkupLineInterpolated($"tables as of [bold]{asOf}[/] (event {explanation.Sequence}), routed at {InstantPattern.ExtendedIso.Format(explanation.At)}");
        foreach (var (id, down) in explanation.DownGateways) AnsiConsole.MarkupLineInterpolated($"gateway {id} down since {down.Since}: {down.Reason}");
        foreach (var (id, down) in explanation.UnreachablePbxs) AnsiConsole.MarkupLineInterpolated($"pbx {id} unreachable since {down.Since}: {down.Reason}");
        AnsiConsole.MarkupLineInterpolated($"translation: {settings.Number} -> [bold]{explanation.NormalizedNumber ?? "(none)"}[/] (rule {explanation.NormalizationRule ?? "-"}): {explanation.Normalization ?? "-"}");
        if (explanation.IsEmergency) AnsiConsole.MarkupLine("[bold]emergency call[/]: bypasses filters, credit and limits");
        if (explanation.EnumQuery is { } query) AnsiConsole.MarkupLineInterpolated($"ENUM: a call would query NAPTR {query} first; without an answer:");
        var outcome = explanation.StatusCode is { } code ? $"{explanation.Outcome} with {code}" : $"{explanation.Outcome} to {explanation.Target}";
        AnsiConsole.MarkupLineInterpolated($"route: [bold]{outcome}[/]");
        for (var i = 0; i < explanation.Targets.Count; i++)
        {
            var channels = explanation.Channels.FirstOrDefault(c => c.TargetIndex == i);
            var use = channels is null ? "" : channels.Full ? $", {channels}: a call now skips it" : $", {channels}";
            AnsiConsole.MarkupLineInterpolated($"  {i + 1}. {explanation.Targets[i]}{use}");
        }
        if (explanation.ChannelsNote is { } note) AnsiConsole.MarkupLineInterpolated($"  ({note})");
        AnsiConsole.MarkupLineInterpolated($"because: {explanation.Reason}");
        var table = new Table().AddColumns("kind", "candidate", "outcome", "reason");
        foreach (var c in explanation.Candidates) table.AddRow(Markup.Escape(c.Kind), Markup.Escape(c.Id), Markup.Escape(c.Outcome), Markup.Escape(c.Reason));
        AnsiConsole.Write(table);
        return 0;
    }

    /// <summary>The channels the running controller counts on each gateway now; the dry run itself needs no controller,
    /// so an unreachable one only leaves the channel use out (with the reason).</summary>
    private static async Task<LiveChannelUse> LiveChannelsAsync(string baseUrl, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(3) };
        var (view, error) = await LimitsCommand.FetchAsync(http, ct);
        return view is null ? LiveChannelUse.Unknown($"the controller at {baseUrl} is not reachable ({error})") : new LiveChannelUse(view.Gateways);
    }
}
