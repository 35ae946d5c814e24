using System.Collections.Immutable;
using CallControl.Host.Provisioning;
using CallControl.Host.Routing;
using CallControl.Provisioning;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using NodaTime.Text;
using Wolverine.Http;

namespace CallControl.Host.Api;

public sealed record ProvisioningApplied(int Changes, IReadOnlyList<string> Events);

/// <summary>Body of <c>PUT /api/provisioning/dids/{range}</c>: the PBX the numbers ring (its tenant owns them).</summary>
public sealed record DidAssignment(string? Pbx);

/// <summary>HTTP API for provisioning: PUT the whole desired state, GET it back (optionally as of an instant).</summary>
public static class ProvisioningEndpoints
{
    [WolverinePut("/api/provisioning")]
    public static async Task<IResult> Put(HttpRequest request, ProvisioningService provisioning, LiveRoutingTable routing)
    {
        using var reader = new StreamReader(request.Body);
        var (document, parseError) = ProvisioningJson.Parse(await reader.ReadToEndAsync(request.HttpContext.RequestAborted));
        if (parseError is not null) return Problems.BadRequest("Malformed provisioning document", [parseError]);
        var dryRun = request.Query.ContainsKey("dryRun");
        var outcome = await provisioning.ApplyAsync(document, dryRun, request.HttpContext.RequestAborted);
        if (!outcome.IsValid) return Problems.BadRequest("Invalid provisioning document", outcome.Errors);
        if (outcome.Conflict is { } conflict)
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Provisioning changed concurrently", detail: conflict);
        if (!dryRun) await routing.RefreshAsync(request.HttpContext.RequestAborted);
        return Results.Ok(new ProvisioningApplied(outcome.Changes.Count,
            outcome.Changes.Select(c => $"{c.StreamKey}: {c.Event.GetType().Name}").ToList()));
    }

    /// <summary>
    /// Assigns one DID or range to a PBX, or moves it there: <c>PUT /api/provisioning/dids/+31205550150</c> or
    /// <c>.../dids/+31205550100..+31205550199</c> (the range id) with <c>{ "pbx": "globex-main" }</c>. The resource is
    /// the range as it is assigned; the same PUT twice changes nothing the second time. 400 when the change is
    /// invalid (unknown PBX, overlap, malformed number), 409 on a lost race, as for a document.
    /// </summary>
    [WolverinePut("/api/provisioning/dids/{range}")]
    public static async Task<IResult> PutDids(string range, HttpRequest request, ProvisioningService provisioning, LiveRoutingTable routing)
    {
        var ct = request.HttpContext.RequestAborted;
        DidAssignment? body;
        try
        {
            body = await System.Text.Json.JsonSerializer.DeserializeAsync<DidAssignment>(request.Body, ProvisioningJson.Options, ct);
        }
        catch (System.Text.Json.JsonException ex)
        {
            return Problems.BadRequest("Malformed DID assignment", [new ProvisioningError(ex.Path is { Length: > 0 } p ? p : "$", ex.Message.Split(" Path:")[0])]);
        }
        var dryRun = request.Query.ContainsKey("dryRun");
        return await Answer(await provisioning.AssignDidsAsync(Uri.UnescapeDataString(range), body?.Pbx, dryRun, ct), "Invalid DID assignment", dryRun, routing, ct);
    }

    /// <summary>Unassigns one DID range exactly as it was assigned: <c>DELETE /api/provisioning/dids/+31205550150</c>.
    /// 404 when no such range is assigned (the problem names the range a single number is part of).</summary>
    [WolverineDelete("/api/provisioning/dids/{range}")]
    public static async Task<IResult> DeleteDids(string range, HttpRequest request, ProvisioningService provisioning, LiveRoutingTable routing)
    {
        var ct = request.HttpContext.RequestAborted;
        var dryRun = request.Query.ContainsKey("dryRun");
        return await Answer(await provisioning.UnassignDidsAsync(Uri.UnescapeDataString(range), dryRun, ct), "Invalid DID unassignment", dryRun, routing, ct);
    }

    private static async Task<IResult> Answer(ProvisioningOutcome outcome, string title, bool dryRun, LiveRoutingTable routing, CancellationToken ct)
    {
        if (outcome.NotFound) return Problems.BadRequest("No such DID range", outcome.Errors, StatusCodes.Status404NotFound);
        if (!outcome.IsValid) return Problems.BadRequest(title, outcome.Errors);
        if (outcome.Conflict is { } conflict)
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Provisioning changed concurrently", detail: conflict);
        if (!dryRun && outcome.Changes.Count > 0) await routing.RefreshAsync(ct);
        return Results.Ok(new ProvisioningApplied(outcome.Changes.Count,
            outcome.Changes.Select(c => $"{c.StreamKey}: {c.Event.GetType().Name}").ToList()));
    }

    [WolverineGet("/api/provisioning")]
    public static async Task<IResult> Get(HttpRequest request, ProvisioningLog log)
    {
        Instant? asOf = null;
        if (request.Query.TryGetValue("at", out var at))
        {
            var parsed = InstantPattern.ExtendedIso.Parse(at.ToString());
            if (!parsed.Success) return Problems.BadRequest("Bad 'at' parameter", [new ProvisioningError("at", $"'{at}' is not an ISO instant such as 2026-11-26T14:02:00Z")]);
            asOf = parsed.Value;
        }
        var (state, sequence) = await log.LoadAsync(asOf, request.HttpContext.RequestAborted);
        // Digest passwords are stored (the controller answers challenges with them) but never shown.
        var gateways = state.Gateways.ToImmutableSortedDictionary(g => g.Key, g => g.Value with { Options = g.Value.Options.Masked() });
        return Results.Ok(new { asOf = state.AsOf, sequence, state.Tenants, state.Pbxs, didRanges = state.DidRanges, Gateways = gateways });
    }
}

internal static class Problems
{
    public static IResult BadRequest(string title, IEnumerable<ProvisioningError> errors, int status = StatusCodes.Status400BadRequest) =>
        Results.Problem(new ProblemDetails
        {
            Status = status,
            Title = title,
            Detail = string.Join("; ", errors.Select(e => e.ToString())),
            Extensions = { ["errors"] = errors.Select(e => new { field = e.Field, message = e.Message }).ToList() },
        });
}

/// <summary>Dry run and as-of routing query over HTTP.</summary>
public static class RouteEndpoints
{
    [WolverineGet("/api/route")]
    public static async Task<IResult> Get(HttpRequest request, RouteQuery query, CallControl.Host.Limits.LiveLimits limits, IClock clock)
    {
        var from = request.Query["from"].ToString();
        var number = request.Query["number"].ToString();
        var errors = new List<ProvisioningError>();
        if (from.Length == 0) errors.Add(new("from", "name the PBX the call comes from"));
        if (number.Length == 0) errors.Add(new("number", "give the number as the PBX would dial it"));
        Instant? at = null;
        if (request.Query.TryGetValue("at", out var atText))
        {
            var parsed = InstantPattern.ExtendedIso.Parse(atText.ToString());
            if (parsed.Success) at = parsed.Value;
            else errors.Add(new("at", $"'{atText}' is not an ISO instant such as 2026-11-26T14:02:00Z"));
        }
        if (errors.Count > 0) return Problems.BadRequest("Bad route query", errors);
        // A route now shows each gateway's live channel use as this controller counts it (a live call skips a full one).
        LiveChannelUse? live = null;
        if (at is null)
        {
            var registry = limits.Current();
            live = new LiveChannelUse(CallControl.Host.Limits.LimitsView.From(registry.Snapshot(clock.GetCurrentInstant()), limits.Provisioned, registry.Limits).Gateways);
        }
        var explanation = await query.ExplainAsync(from, number, at, request.HttpContext.RequestAborted, live);
        return explanation is null
            ? Results.Problem(statusCode: 404, title: "Unknown PBX", detail: $"PBX '{from}' is not provisioned")
            : Results.Ok(explanation);
    }
}
