using CallControl.Host.Calls;
using CallControl.Projections.Cdrs;
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
}
