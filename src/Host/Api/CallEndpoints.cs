using CallControl.Host.Calls;
using CallControl.Projections.Cdrs;
using CallControl.Provisioning;
using NodaTime.Text;
using Microsoft.AspNetCore.Http;
using Wolverine.Http;

namespace CallControl.Host.Api;

/// <summary>HTTP API for CDRs, call replay and live calls.</summary>
public static class CallEndpoints
{
    [WolverineGet("/api/cdrs")]
    public static async Task<IReadOnlyList<Cdr>> Cdrs(HttpRequest request, CallQueries queries)
    {
        var limit = int.TryParse(request.Query["limit"], out var l) && l is > 0 and <= 10_000 ? l : 100;
        return await queries.RecentCdrsAsync(limit, request.HttpContext.RequestAborted);
    }

    [WolverineGet("/api/calls/{callId}/events")]
    public static async Task<IResult> Replay(string callId, CallQueries queries, HttpContext context)
    {
        var events = await queries.ReplayAsync(callId, context.RequestAborted);
        return events.Count == 0
            ? Results.Problem(statusCode: 404, title: "Unknown call", detail: $"No call with Call-ID '{callId}' was recorded")
            : Results.Ok(events);
    }

    [WolverineGet("/api/calls/active")]
    public static object Active(ActiveCalls calls) => new { total = calls.Count, perPbx = calls.PerPbx() };

    /// <summary><c>POST /api/calls/close</c> with <c>{"staleBefore": "2026-11-26T14:00:00Z", "call": "...", "reason": "...", "by": "..."}</c>
    /// (at least one of staleBefore and call): ends the recovered calls a crashed controller left open. Answers the calls
    /// closed and those named that were not (with why); 409 when a named call is carried live by this controller.</summary>
    [WolverinePost("/api/calls/close")]
    public static async Task<IResult> Close(CloseCallsBody body, StaleCalls stale)
    {
        var errors = new List<ProvisioningError>();
        NodaTime.Instant? before = null;
        if (!string.IsNullOrWhiteSpace(body.StaleBefore))
        {
            var parsed = InstantPattern.ExtendedIso.Parse(body.StaleBefore.Trim());
            if (parsed.Success) before = parsed.Value;
            else errors.Add(new ProvisioningError("staleBefore", $"'{Printable(body.StaleBefore)}' is not an instant like 2026-11-26T14:00:00Z"));
        }
        var call = string.IsNullOrWhiteSpace(body.Call) ? null : body.Call.Trim();
        if (call is { Length: > 300 }) errors.Add(new ProvisioningError("call", "longer than 300 characters"));
        if (before is null && call is null && errors.Count == 0) errors.Add(new ProvisioningError("staleBefore/call", "give staleBefore, call or both"));
        if (errors.Count > 0) return Problems.BadRequest("Bad close request", errors);

        var outcome = await stale.CloseAsync(new CloseCallsRequest(before, call,
            string.IsNullOrWhiteSpace(body.Reason) ? "stale call left by a crashed controller" : Printable(body.Reason),
            string.IsNullOrWhiteSpace(body.By) ? "operator" : Printable(body.By)));
        var result = new { closed = outcome.Closed, notClosed = outcome.NotClosed.Select(n => new { call = n.Call, why = n.Why }) };
        return outcome.Closed.Count == 0 && outcome.NotClosed.Count > 0 ? Results.Json(result, statusCode: StatusCodes.Status409Conflict) : Results.Json(result);
    }

    /// <summary>One printable line of at most 200 characters: it ends up in an event and in logs.</summary>
    private static string Printable(string text)
    {
        var clean = new string(text.Where(c => !char.IsControl(c)).ToArray()).Trim();
        return clean.Length > 200 ? clean[..200] : clean;
    }
}

/// <summary>Body of <c>POST /api/calls/close</c>; the instant as text so a bad one gets a 400 that names it.</summary>
public sealed record CloseCallsBody(string? StaleBefore = null, string? Call = null, string? Reason = null, string? By = null);
