using System.ComponentModel;
using System.Net.Http.Json;
using System.Text.Json;
using CallControl.Host.Api;
using NodaTime.Text;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CallControl.Host.Cli;

public sealed class CallsCloseSettings : LimitsSettings
{
    [CommandOption("--stale-before <INSTANT>")]
    [Description("Close every recovered call that started (was answered) before this instant, e.g. 2026-11-26T14:00:00Z")]
    public string? StaleBefore { get; init; }

    [CommandOption("--call <KEY>")]
    [Description("Close this call: its stream key (call:<Call-ID>;<From-tag>) or its Call-ID")]
    public string? Call { get; init; }

    [CommandOption("--reason <TEXT>")]
    [Description("Why (recorded on CallEnded; default: stale call left by a crashed controller)")]
    public string? Reason { get; init; }

    [CommandOption("--by <NAME>")]
    [Description("Who closes them (recorded on CallEnded; default: $USER)")]
    public string? By { get; init; }

    public override ValidationResult Validate()
    {
        if (StaleBefore is null && Call is null) return ValidationResult.Error("give --stale-before <INSTANT>, --call <KEY>, or both");
        if (StaleBefore is not null && !InstantPattern.ExtendedIso.Parse(StaleBefore).Success)
            return ValidationResult.Error($"--stale-before: '{StaleBefore}' is not an instant like 2026-11-26T14:00:00Z");
        return base.Validate();
    }
}

/// <summary>
/// <c>callcontrol calls close --stale-before &lt;instant&gt; | --call &lt;key&gt; [--reason ...]</c>: asks the running
/// controller to end the open calls a crashed controller left (recovered as open at its start), so their limits and
/// holds are released; each gets <c>CallEnded</c> with <c>endedBy: operator</c> and who closed it and why.
/// Calls the running controller carries live are refused.
/// </summary>
public sealed class CallsCloseCommand : AsyncCommand<CallsCloseSettings>
{
    private sealed record Answer(List<string>? Closed, List<NotClosed>? NotClosed);
    private sealed record NotClosed(string Call, string Why);

    public override async Task<int> ExecuteAsync(CommandContext context, CallsCloseSettings settings, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = new Uri(settings.BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsJsonAsync("/api/calls/close",
                new CloseCallsBody(settings.StaleBefore, settings.Call, settings.Reason, settings.By ?? Environment.UserName), ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            Console.Error.WriteLine($"calls close: the controller at {settings.BaseUrl} is not reachable ({ex.Message}); is it running? (see --http / CALLCONTROL_HTTP)");
            return 2;
        }
        using (response)
        {
            if (response.StatusCode == System.Net.HttpStatusCode.BadRequest)
            {
                Console.Error.WriteLine($"calls close: {await response.Content.ReadAsStringAsync(ct)}");
                return 2;
            }
            Answer? answer;
            try
            {
                answer = await response.Content.ReadFromJsonAsync<Answer>(new JsonSerializerOptions(JsonSerializerDefaults.Web), ct);
            }
            catch (JsonException)
            {
                answer = null;
            }
            if (answer is null)
            {
                Console.Error.WriteLine($"calls close: unexpected answer {(int)response.StatusCode} from {settings.BaseUrl}");
                return 1;
            }
            foreach (var key in answer.Closed ?? []) AnsiConsole.MarkupLineInterpolated($"closed  {key}");
            foreach (var n in answer.NotClosed ?? []) Console.Error.WriteLine($"not closed  {n.Call}: {n.Why}");
            AnsiConsole.MarkupLineInterpolated($"{answer.Closed?.Count ?? 0} calls closed");
            return (answer.NotClosed?.Count ?? 0) > 0 ? 1 : 0;
        }
    }
}
