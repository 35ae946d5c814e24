using CallControl.Projections.Cdrs;
using Marten;
using NodaTime;

namespace CallControl.Host.Calls;

/// <summary>One event of a call stream as an auditor reads it.</summary>
public sealed record ReplayedEvent(string StreamKey, long Version, long Sequence, string Type, Instant At, string Data);

/// <summary>Read side shared by the CLI and the HTTP API.</summary>
public sealed class CallQueries(IDocumentStore store)
{
    public async Task<IReadOnlyList<Cdr>> RecentCdrsAsync(int limit, CancellationToken ct = default)
    {
        await using var session = store.QuerySession();
        var cdrs = await session.Query<Cdr>().OrderByDescending(c => c.ReceivedAt).Take(limit).ToListAsync(ct);
        return cdrs.Reverse().ToList();
    }

    /// <summary>The events of every dialog with this Call-ID (a forked or retried call can have several), in order.</summary>
    public async Task<IReadOnlyList<ReplayedEvent>> ReplayAsync(string callId, CancellationToken ct = default)
    {
        await using var session = store.QuerySession();
        var keys = await session.Query<Cdr>().Where(c => c.CallId == callId).OrderBy(c => c.ReceivedAt).Select(c => c.Id).ToListAsync(ct);
        if (keys.Count == 0 && callId.StartsWith("call:", StringComparison.Ordinal)) keys = [callId];
        var serializer = store.Options.Serializer();
        var result = new List<ReplayedEvent>();
        foreach (var key in keys)
        {
            var events = await session.Events.FetchStreamAsync(key, token: ct);
            result.AddRange(events.Select(e => new ReplayedEvent(key, e.Version, e.Sequence, e.EventTypeName,
                e.Data is CallControl.Calls.ICallEvent ce ? ce.At : Instant.FromDateTimeOffset(e.Timestamp), serializer.ToJson(e.Data))));
        }
        return result;
    }

    /// <summary>Active calls per PBX as the CDRs say (a call counts on its source and its target PBX).</summary>
    public async Task<IReadOnlyDictionary<string, int>> ActivePerPbxAsync(CancellationToken ct = default)
    {
        await using var session = store.QuerySession();
        var open = await session.Query<Cdr>().Where(c => c.EndedAt == null).ToListAsync(ct);
        var counts = new SortedDictionary<string, int>();
        foreach (var c in open)
        {
            if (c.SourcePbxId is { } s) counts[s] = counts.GetValueOrDefault(s) + 1;
            if (c.TargetKind == "pbx" && c.TargetId is { } t && t != c.SourcePbxId) counts[t] = counts.GetValueOrDefault(t) + 1;
        }
        return counts;
    }
}
