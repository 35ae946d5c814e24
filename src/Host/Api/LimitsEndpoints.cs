using System.Globalization;
using CallControl.Host.Limits;
using Marten;
using Microsoft.AspNetCore.Http;
using NodaTime;
using Wolverine.Http;

namespace CallControl.Host.Api;

/// <summary>HTTP API of the live limits: usage now (from this controller's registry) and usage history (from the CDRs).</summary>
public static class LimitsEndpoints
{
    [WolverineGet("/api/limits")]
    public static LimitsView Live(LiveLimits limits, IClock clock)
    {
        var registry = limits.Current();
        return LimitsView.From(registry.Snapshot(clock.GetCurrentInstant()), limits.Provisioned, registry.Limits);
    }

    [WolverineGet("/api/limits/history")]
    public static async Task<IResult> History(HttpRequest request, IDocumentStore store, IClock clock)
    {
        var pbx = request.Query["pbx"].ToString();
        if (string.IsNullOrEmpty(pbx)) return Bad("pbx", "names no PBX");
        var now = clock.GetCurrentInstant();
        var fromText = request.Query["from"].ToString();
        var toText = request.Query["to"].ToString();
        var from = fromText.Length == 0 ? now - Duration.FromHours(1) : ParseInstant(fromText);
        var to = toText.Length == 0 ? now : ParseInstant(toText);
        if (from is null) return Bad("from", $"'{fromText}' is not an instant such as 2026-11-26T14:00Z");
        if (to is null) return Bad("to", $"'{toText}' is not an instant such as 2026-11-26T15:00Z");
        if (RangeError(from.Value, to.Value) is { } error) return Bad("to", error);
        return Results.Ok(await LimitsHistory.QueryAsync(store, pbx, from.Value, to.Value, now, request.HttpContext.RequestAborted));
    }

    /// <summary>ISO 8601 with an offset or Z; minutes without seconds are fine (<c>2026-11-26T14:00Z</c>).</summary>
    public static Instant? ParseInstant(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? Instant.FromDateTimeOffset(at) : null;

    public static string? RangeError(Instant from, Instant to) =>
        to <= from ? "must be after from"
        : to - from > LimitsHistory.MaxRange ? $"the range may span at most {LimitsHistory.MaxRange.Days} days"
        : null;

    private static IResult Bad(string field, string message) =>
        Results.Problem(statusCode: 400, title: "Bad history query", detail: $"{field}: {message}",
            extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = [message] } });
}
