using Microsoft.Extensions.Logging;
using NodaTime;

namespace CallControl.Host.Calls;

/// <summary>What an operator asks to close: every recovered call that started before <see cref="StaleBefore"/>,
/// or the one call <see cref="Call"/> (a stream key <c>call:...</c> or a Call-ID), or both.</summary>
public sealed record CloseCallsRequest(Instant? StaleBefore, string? Call, string Reason, string By);

/// <summary>A call the operator named that was not closed, and why.</summary>
public sealed record CallNotClosed(string Call, string Why);

public sealed record CloseCallsOutcome(IReadOnlyList<string> Closed, IReadOnlyList<CallNotClosed> NotClosed);

/// <summary>
/// Closes open calls that a crashed controller left behind: after a restart they are recovered as open (the proxy has
/// no dialog for them) and count against the limits until their BYE arrives or the maximum call duration has passed.
/// Each is ended through <see cref="CallPolicy.EndAsync"/> (guards release what they hold; <c>CallEnded</c> with
/// <c>endedBy: operator</c> and who closed it and why). Calls this controller carries live (set up since it started,
/// with a dialog in its proxy) are never closed: they end by their BYE or the maximum duration.
/// </summary>
public sealed class StaleCalls(ActiveCalls calls, CallPolicy policy, ILogger<StaleCalls> logger)
{
    public const string EndedBy = "operator";

    public async Task<CloseCallsOutcome> CloseAsync(CloseCallsRequest request)
    {
        var closed = new List<string>();
        var notClosed = new List<CallNotClosed>();
        var reason = $"closed by {request.By}: {request.Reason}";

        if (request.Call is { } named)
        {
            var matches = Matching(named);
            if (matches.Count == 0) notClosed.Add(new CallNotClosed(named, "not open on this controller"));
            foreach (var call in matches)
            {
                if (!call.Recovered) notClosed.Add(new CallNotClosed(call.CallKey, "carried live by this controller: it ends by its BYE or the maximum call duration"));
                else if (await EndAsync(call.CallKey, reason)) closed.Add(call.CallKey);
            }
        }
        if (request.StaleBefore is { } before)
        {
            foreach (var call in calls.Recovered().Where(c => (c.AnsweredAt ?? c.ReceivedAt) < before).OrderBy(c => c.ReceivedAt))
                if (!closed.Contains(call.CallKey) && await EndAsync(call.CallKey, reason)) closed.Add(call.CallKey);
        }
        if (closed.Count > 0) logger.LogWarning("{Count} recovered calls closed by {By}: {Reason}", closed.Count, request.By, request.Reason);
        return new CloseCallsOutcome(closed, notClosed);
    }

    /// <summary>A stream key matches itself; a Call-ID matches every open call with that Call-ID.</summary>
    private List<OpenCall> Matching(string named)
    {
        if (named.StartsWith("call:", StringComparison.Ordinal))
            return calls.Find(named) is { } call ? [call] : [];
        var prefix = $"call:{named};";
        return calls.All().Where(c => c.CallKey.StartsWith(prefix, StringComparison.Ordinal)).ToList();
    }

    private async Task<bool> EndAsync(string callKey, string reason)
    {
        if (calls.Find(callKey) is null) return false; // ended meanwhile (its BYE came)
        // Nobody saw the call end: talk is taken as its credit grant (or unknown and not charged), like the
        // maximum-duration close after a restart; charging up to the close would bill the time the controller was down.
        await policy.EndAsync(callKey, EndedBy, reason, endSeen: false);
        return true;
    }
}
