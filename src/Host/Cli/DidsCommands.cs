using System.ComponentModel;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CallControl.Host.Api;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CallControl.Host.Cli;

public class DidsSettings : CommandSettings
{
    [CommandArgument(0, "<NUMBERS>")]
    [Description("One E.164 number (+31205550150) or a range: +31205550100-+31205550199 or +31205550100..+31205550199")]
    public string Numbers { get; init; } = "";

    [CommandOption("--dry-run")]
    [Description("Check and show the change without making it")]
    public bool DryRun { get; init; }

    [CommandOption("--http <URL>")]
    [Description("The running controller's HTTP API (default: $CALLCONTROL_HTTP, else http://127.0.0.1:8080)")]
    public string? Http { get; init; }

    public string BaseUrl => Http ?? (Environment.GetEnvironmentVariable("CALLCONTROL_HTTP") is { Length: > 0 } v ? v : "http://127.0.0.1:8080");

    public override ValidationResult Validate() =>
        !Uri.TryCreate(BaseUrl, UriKind.Absolute, out _) ? ValidationResult.Error($"--http: '{BaseUrl}' is not an absolute URL") : ValidationResult.Success();
}

public sealed class DidsAssignSettings : DidsSettings
{
    [CommandOption("--pbx <ID>")]
    [Description("The PBX the numbers ring from now on (its tenant owns them)")]
    public string? Pbx { get; init; }

    public override ValidationResult Validate() =>
        string.IsNullOrEmpty(Pbx) ? ValidationResult.Error("--pbx: name the PBX the numbers go to") : base.Validate();
}

/// <summary>
/// <c>callcontrol dids assign|unassign NUMBERS</c>: one DID change through the running controller
/// (<c>PUT/DELETE /api/provisioning/dids/{range}</c>), so it is checked against the controller's live state and costs
/// what it changes, not a fold of the whole log in this process. Exit 0 done (or nothing to do), 2 refused (the
/// reasons on stderr), unreachable controller, or lost concurrency race; nothing changed then.
/// </summary>
public static class DidsCommands
{
    public static void Register(IConfigurator config) =>
        config.AddBranch("dids", dids =>
        {
            dids.SetDescription("Assign, reassign or unassign one DID or range on the running controller");
            dids.AddCommand<DidsAssignCommand>("assign").WithDescription("Assign numbers to a PBX, or move them there (--pbx)");
            dids.AddCommand<DidsUnassignCommand>("unassign").WithDescription("Unassign a DID range exactly as it was assigned");
        });

    internal static string Path(string numbers)
    {
        var (first, last, errors) = CallControl.Provisioning.DidChanges.Parse(numbers);
        // A malformed argument still goes to the controller, which answers with the problem (one place says what is wrong).
        var range = errors.Count == 0 ? CallControl.Provisioning.ProvisioningStreams.RangeId(first, last) : numbers;
        return "/api/provisioning/dids/" + Uri.EscapeDataString(range);
    }

    internal static async Task<int> SendAsync(string verb, DidsSettings settings, HttpRequestMessage request, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = new Uri(settings.BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            Console.Error.WriteLine($"dids {verb}: the controller at {settings.BaseUrl} is not reachable ({ex.Message}); is it running? (see --http / CALLCONTROL_HTTP)");
            return 2;
        }
        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                var applied = await response.Content.ReadFromJsonAsync<ProvisioningApplied>(new JsonSerializerOptions(JsonSerializerDefaults.Web), ct);
                foreach (var e in applied?.Events ?? []) AnsiConsole.MarkupLineInterpolated($"{e}");
                var n = applied?.Changes ?? 0;
                AnsiConsole.MarkupLine(settings.DryRun ? $"{n} change(s) would be made (dry run)" : n == 0 ? "nothing to change" : $"{n} change(s) applied");
                return 0;
            }
            var text = await response.Content.ReadAsStringAsync(ct);
            string? detail = null;
            try
            {
                using var problem = JsonDocument.Parse(text);
                detail = problem.RootElement.TryGetProperty("detail", out var d) ? d.GetString() : null;
            }
            catch (JsonException)
            {
            }
            Console.Error.WriteLine($"dids {verb}: {settings.Numbers}: {detail ?? text}; nothing was changed");
            return response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.Conflict ? 2 : 1;
        }
    }
}

public sealed class DidsAssignCommand : AsyncCommand<DidsAssignSettings>
{
    public override Task<int> ExecuteAsync(CommandContext context, DidsAssignSettings settings, CancellationToken ct) =>
        DidsCommands.SendAsync("assign", settings, new HttpRequestMessage(HttpMethod.Put, DidsCommands.Path(settings.Numbers) + (settings.DryRun ? "?dryRun" : ""))
        {
            Content = JsonContent.Create(new DidAssignment(settings.Pbx)),
        }, ct);
}

public sealed class DidsUnassignCommand : AsyncCommand<DidsSettings>
{
    public override Task<int> ExecuteAsync(CommandContext context, DidsSettings settings, CancellationToken ct) =>
        DidsCommands.SendAsync("unassign", settings, new HttpRequestMessage(HttpMethod.Delete, DidsCommands.Path(settings.Numbers) + (settings.DryRun ? "?dryRun" : "")), ct);
}
