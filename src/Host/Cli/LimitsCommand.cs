using System.ComponentModel;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using CallControl.Host.Api;
using CallControl.Host.Limits;
using NodaTime;
using NodaTime.Serialization.SystemTextJson;
using NodaTime.Text;
using Spectre.Console;
using Spectre.Console.Cli;
using Spectre.Console.Rendering;

namespace CallControl.Host.Cli;

public class LimitsSettings : CommonSettings
{
    [CommandOption("--watch")]
    [Description("Refresh every second until Ctrl-C")]
    public bool Watch { get; init; }

    [CommandOption("--http <URL>")]
    [Description("The running controller's HTTP API (default: $CALLCONTROL_HTTP, else http://127.0.0.1:8080)")]
    public string? Http { get; init; }

    public string BaseUrl => Http ?? (Environment.GetEnvironmentVariable("CALLCONTROL_HTTP") is { Length: > 0 } v ? v : "http://127.0.0.1:8080");

    public override ValidationResult Validate() =>
        !Uri.TryCreate(BaseUrl, UriKind.Absolute, out _) ? ValidationResult.Error($"--http: '{BaseUrl}' is not an absolute URL") : base.Validate();
}

/// <summary>
/// <c>callcontrol limits [--watch]</c>: calls, kbit/s and calls per second against the limits of every PBX, tenant
/// and gateway, as the running controller counts them (its in-memory registry, not the database).
/// </summary>
public sealed class LimitsCommand : AsyncCommand<LimitsSettings>
{
    internal static readonly JsonSerializerOptions Json = new JsonSerializerOptions(JsonSerializerDefaults.Web).ConfigureForNodaTime(DateTimeZoneProviders.Tzdb);
    private static readonly InstantPattern Time = InstantPattern.CreateWithInvariantCulture("uuuu-MM-dd HH:mm:ss'Z'");

    public override async Task<int> ExecuteAsync(CommandContext context, LimitsSettings settings, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = new Uri(settings.BaseUrl), Timeout = TimeSpan.FromSeconds(3) };
        var (view, error) = await FetchAsync(http, ct);
        if (view is null) return Unreachable(settings.BaseUrl, error);
        if (!settings.Watch)
        {
            AnsiConsole.Write(Render(view));
            return 0;
        }
        await AnsiConsole.Live(Render(view)).StartAsync(async live =>
        {
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                }
                catch (OperationCanceledException)
                {
                    return; // Ctrl-C: leave the last table on screen
                }
                (view, error) = await FetchAsync(http, ct);
                if (view is null) return;
                live.UpdateTarget(Render(view));
            }
        });
        return view is null && !ct.IsCancellationRequested ? Unreachable(settings.BaseUrl, error) : 0;
    }

    private static int Unreachable(string url, string? error)
    {
        Console.Error.WriteLine($"limits: the controller at {url} is not reachable ({error}); is it running? (see --http / CALLCONTROL_HTTP)");
        return 2;
    }

    internal static async Task<(LimitsView? View, string? Error)> FetchAsync(HttpClient http, CancellationToken ct)
    {
        try
        {
            var view = await http.GetFromJsonAsync<LimitsView>("/api/limits", Json, ct);
            return view is null ? (null, "empty answer") : (view, null);
        }
        catch (HttpRequestException ex)
        {
            return (null, ex.StatusCode is { } code ? $"HTTP {(int)code}" : ex.Message);
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, "no answer within 3 s");
        }
        catch (TaskCanceledException)
        {
            return (null, "cancelled");
        }
        catch (JsonException ex)
        {
            return (null, $"not a limits view: {ex.Message}");
        }
    }

    internal static IRenderable Render(LimitsView view)
    {
        var pbxs = new Table().Title("PBXs").AddColumns("pbx", "tenant", "calls", "max calls", "kbit/s", "max kbit/s", "calls/s", "max calls/s");
        foreach (var r in view.Pbxs)
            pbxs.AddRow(Markup.Escape(r.Id), Markup.Escape(r.Tenant ?? "-"), Used(r.Calls, r.MaxCalls), Max(r.MaxCalls),
                Used(r.Kbps, r.MaxKbps), Max(r.MaxKbps), Used(r.CallsPerSecond, r.MaxCallsPerSecond), Max(r.MaxCallsPerSecond));
        var tenants = new Table().Title("Tenants").AddColumns("tenant", "calls", "max calls", "kbit/s", "max kbit/s", "calls/s", "max calls/s");
        foreach (var r in view.Tenants)
            tenants.AddRow(Markup.Escape(r.Id), Used(r.Calls, r.MaxCalls), Max(r.MaxCalls), Used(r.Kbps, r.MaxKbps), Max(r.MaxKbps),
                Used(r.CallsPerSecond, r.MaxCallsPerSecond), Max(r.MaxCallsPerSecond));
        var gateways = new Table().Title("Gateways").AddColumns("gateway", "calls", "max channels");
        foreach (var r in view.Gateways)
            gateways.AddRow(Markup.Escape(r.Id), Used(r.Calls, r.MaxChannels), Max(r.MaxChannels));
        return new Rows(
            new Markup($"[bold]{view.OpenCalls}[/] open calls at {Time.Format(view.At)}"),
            pbxs, tenants, gateways);
    }

    // At the limit in yellow, above it (a re-INVITE raised a call's rate, or an emergency call went past) in red.
    private static string Used(long value, long? max) =>
        max is { } m && value > m ? $"[red]{value}[/]" : max is { } n && value == n ? $"[yellow]{value}[/]" : value.ToString(CultureInfo.InvariantCulture);

    private static string Max(long? max) => max?.ToString(CultureInfo.InvariantCulture) ?? "-";
}

public sealed class LimitsHistorySettings : CommonSettings
{
    [CommandOption("--pbx <ID>")]
    [Description("The PBX whose usage to show")]
    public string? Pbx { get; init; }

    [CommandOption("--from <INSTANT>")]
    [Description("Start, e.g. 2026-11-26T14:00Z (default: an hour before --to)")]
    public string? From { get; init; }

    [CommandOption("--to <INSTANT>")]
    [Description("End (default: now)")]
    public string? To { get; init; }

    [CommandOption("--format <FORMAT>")]
    [Description("table (default) or csv")]
    public string Format { get; init; } = "table";

    public override ValidationResult Validate()
    {
        if (string.IsNullOrEmpty(Pbx)) return ValidationResult.Error("--pbx: name the PBX, e.g. --pbx globex-main");
        if (From is not null && LimitsEndpoints.ParseInstant(From) is null) return ValidationResult.Error($"--from: '{From}' is not an instant such as 2026-11-26T14:00Z");
        if (To is not null && LimitsEndpoints.ParseInstant(To) is null) return ValidationResult.Error($"--to: '{To}' is not an instant such as 2026-11-26T15:00Z");
        if (Format is not ("table" or "csv")) return ValidationResult.Error($"--format: '{Format}' is not table or csv");
        return base.Validate();
    }
}

/// <summary><c>callcontrol limits history --pbx ID --from --to</c>: peak concurrent calls and kbit/s per minute, from the CDRs.</summary>
public sealed class LimitsHistoryCommand : AsyncCommand<LimitsHistorySettings>
{
    private static readonly InstantPattern Minute = InstantPattern.CreateWithInvariantCulture("uuuu-MM-dd'T'HH:mm'Z'");

    public override async Task<int> ExecuteAsync(CommandContext context, LimitsHistorySettings settings, CancellationToken ct)
    {
        var now = SystemClock.Instance.GetCurrentInstant();
        var to = settings.To is null ? now : LimitsEndpoints.ParseInstant(settings.To)!.Value;
        var from = settings.From is null ? to - Duration.FromHours(1) : LimitsEndpoints.ParseInstant(settings.From)!.Value;
        if (LimitsEndpoints.RangeError(from, to) is { } error)
        {
            Console.Error.WriteLine($"limits history: --to {error}");
            return 2;
        }
        using var store = settings.OpenStore();
        var history = await LimitsHistory.QueryAsync(store, settings.Pbx!, from, to, now, ct);
        if (settings.Format == "csv")
        {
            Console.Out.WriteLine("minute,peak_calls,peak_kbps,new_calls");
            foreach (var m in history.Minutes)
                Console.Out.WriteLine(FormattableString.Invariant($"{Minute.Format(m.Minute)},{m.PeakCalls},{m.PeakKbps},{m.NewCalls}"));
            return 0;
        }
        var table = new Table().Title($"Usage of {Markup.Escape(history.Pbx)}").AddColumns("minute", "peak calls", "peak kbit/s", "new calls");
        foreach (var m in history.Minutes)
            table.AddRow(Minute.Format(m.Minute), m.PeakCalls.ToString(CultureInfo.InvariantCulture),
                m.PeakKbps.ToString(CultureInfo.InvariantCulture), m.NewCalls.ToString(CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        return 0;
    }
}
