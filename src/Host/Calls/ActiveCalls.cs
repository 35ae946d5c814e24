using System.Collections.Concurrent;
using NodaTime;

namespace CallControl.Host.Calls;

/// <summary>A dialog the controller has routed and not yet seen end.</summary>
/// <param name="MaxDuration">How long the call may last from its answer (the shortest guard's grant; after the answer, as
/// priced at the answer instant). Null: no limit but the controller's maximum call duration.</param>
public sealed record OpenCall(string CallKey, string? SourcePbxId, string? TargetPbxId, Instant ReceivedAt, Instant? AnsweredAt = null, Duration? MaxDuration = null)
{
    /// <summary>Taken back from the event store after a restart: the proxy has no dialog state for it.</summary>
    public bool Recovered { get; init; }

    /// <summary>A recovered call whose dialog the proxy carries on (its recorded dialog state was restored): the proxy ends
    /// it (BYE, dead party, its maximum duration), so the recovery sweep leaves it alone.</summary>
    public bool DialogRestored { get; init; }
}

/// <summary>
/// The open dialogs of this controller. Per-PBX counts are derived from this set on demand, so they
/// cannot drift from it (DESIGN.md rule 4).
/// </summary>
public sealed class ActiveCalls
{
    private readonly ConcurrentDictionary<string, OpenCall> _calls = new();

    public int Count => _calls.Count;

    public void Open(OpenCall call) => _calls[call.CallKey] = call;

    public OpenCall? Answer(string callKey, Instant at)
    {
        while (_calls.TryGetValue(callKey, out var call))
            if (_calls.TryUpdate(callKey, call with { AnsweredAt = at }, call)) return call with { AnsweredAt = at };
        return null;
    }

    /// <summary>Sets the call's maximum duration from its answer on.</summary>
    public void Limit(string callKey, Duration maxDuration)
    {
        while (_calls.TryGetValue(callKey, out var call))
            if (_calls.TryUpdate(callKey, call with { MaxDuration = maxDuration }, call)) return;
    }

    /// <summary>Marks a recovered call whose dialog the proxy took back (<see cref="OpenCall.DialogRestored"/>).</summary>
    public void DialogRestored(string callKey)
    {
        while (_calls.TryGetValue(callKey, out var call))
            if (_calls.TryUpdate(callKey, call with { DialogRestored = true }, call)) return;
    }

    /// <summary>Removes the call; null when it was not open (a duplicate end is a no-op).</summary>
    public OpenCall? Close(string callKey) => _calls.TryRemove(callKey, out var call) ? call : null;

    public OpenCall? Find(string callKey) => _calls.GetValueOrDefault(callKey);

    public IReadOnlyList<OpenCall> All() => _calls.Values.ToList();

    public IReadOnlyList<OpenCall> Recovered() => _calls.Values.Where(c => c.Recovered).ToList();

    /// <summary>Active calls per PBX, counting a call on both the PBX it came from and the one it goes to.</summary>
    public IReadOnlyDictionary<string, int> PerPbx()
    {
        var counts = new Dictionary<string, int>();
        foreach (var call in _calls.Values)
        {
            if (call.SourcePbxId is { } s) counts[s] = counts.GetValueOrDefault(s) + 1;
            if (call.TargetPbxId is { } t && t != call.SourcePbxId) counts[t] = counts.GetValueOrDefault(t) + 1;
        }
        return counts;
    }
}
