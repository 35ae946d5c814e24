using CallControl.Provisioning;
using CallControl.Routing;

namespace CallControl.Host.Provisioning;

/// <summary>
/// The provisioning state folded up to event <paramref name="Sequence"/>, and the provisioning version it is
/// at: the number of <see cref="ProvisioningDocumentApplied"/> events folded in, which is the version of the
/// <see cref="ProvisioningStreams.Log"/> stream (each apply appends exactly one, with an expected version).
/// </summary>
public sealed record ProvisioningHead(ProvisioningState State, long Sequence, long Version)
{
    public static readonly ProvisioningHead Empty = new(ProvisioningState.Empty, 0, 0);

    private DidRangeIndex? _dids;

    /// <summary>The DID ranges of <see cref="State"/> sorted by number: the live routing table's DID table when it made
    /// this head (always current, nothing built), else built from the state on first use (the CLI, once per process).</summary>
    public DidRangeIndex Dids
    {
        get => _dids ??= DidRangeIndex.Of(State.DidRanges.Values);
        init => _dids = value;
    }

    /// <summary>This head with <paramref name="events"/> (read after <see cref="Sequence"/>, in order) folded in.</summary>
    public ProvisioningHead Advance(IReadOnlyList<(long Sequence, IProvisioningEvent Event)> events) =>
        events.Count == 0 ? this : new(State.ApplyAll(events.Select(e => e.Event)), events[^1].Sequence,
            Version + events.Count(e => ProvisioningStreams.IsLogEntry(e.Event)));
}

/// <summary>An in-memory provisioning state that can be brought up to date by reading the events since it.</summary>
public interface IProvisioningStateSource
{
    /// <summary>The state as of the last catch-up; null before the first one (nothing is known yet).</summary>
    ProvisioningHead? Head { get; }

    /// <summary>Reads and folds the provisioning events committed since <see cref="Head"/>, and returns the new head.</summary>
    Task<ProvisioningHead> CatchUpAsync(CancellationToken ct = default);
}

/// <summary>
/// A provisioning state kept for one process that has no routing table of its own (the CLI): the first
/// catch-up folds the whole log, later ones only what was committed since.
/// </summary>
public sealed class ProvisioningStateCache(ProvisioningLog log) : IProvisioningStateSource
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile ProvisioningHead? _head;

    public ProvisioningHead? Head => _head;

    public async Task<ProvisioningHead> CatchUpAsync(CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var head = _head ?? ProvisioningHead.Empty;
            return _head = head.Advance(await log.ReadAsync(head.Sequence, ct));
        }
        finally
        {
            _gate.Release();
        }
    }
}
