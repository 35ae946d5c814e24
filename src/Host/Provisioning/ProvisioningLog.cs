using CallControl.Projections;
using CallControl.Provisioning;
using Marten;
using Marten.Events;
using NodaTime;

namespace CallControl.Host.Provisioning;

/// <summary>Reads the provisioning events back in commit order: the source of every routing table.</summary>
public sealed class ProvisioningLog(IDocumentStore store)
{
    /// <summary>Provisioning events with a sequence above <paramref name="afterSequence"/>, oldest first.</summary>
    public async Task<IReadOnlyList<(long Sequence, IProvisioningEvent Event)>> ReadAsync(long afterSequence, CancellationToken ct = default)
    {
        await using var session = store.QuerySession();
        var events = await session.Events.QueryAllRawEvents()
            .Where(e => e.Sequence > afterSequence)
            .Where(e => e.EventTypesAre(EventStoreConfiguration.ProvisioningEventTypes))
            .OrderBy(e => e.Sequence)
            .ToListAsync(ct);
        return events.Select(e => (e.Sequence, (IProvisioningEvent)e.Data)).ToList();
    }

    /// <summary>The provisioning state as it was at <paramref name="asOf"/> (everything when null).</summary>
    public async Task<(ProvisioningState State, long Sequence)> LoadAsync(Instant? asOf = null, CancellationToken ct = default)
    {
        var events = await ReadAsync(0, ct);
        var upTo = asOf is { } t ? events.TakeWhile(e => e.Event.At <= t).ToList() : events;
        // One batch fold: builders mutated in place, not a copied path per event.
        var state = ProvisioningState.Empty.ApplyAll(upTo.Select(e => e.Event));
        return (state, upTo.Count == 0 ? 0 : upTo[^1].Sequence);
    }
}
