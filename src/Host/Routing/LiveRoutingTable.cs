using CallControl.Host.Provisioning;
using CallControl.Provisioning;
using CallControl.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CallControl.Host.Routing;

/// <summary>
/// The routing snapshot the SIP path reads (never the database, DESIGN.md rule 3). Built from the
/// provisioning events at start-up, then kept current by following the event log: a change made by
/// this process, the CLI or another node builds a new snapshot that is swapped in atomically. The new
/// snapshot shares what did not change with the old one, so reassigning a DID on a cloud of a million
/// costs milliseconds, not a rebuild. Its provisioning state is also what <see cref="ProvisioningService"/>
/// validates and diffs a document against (<see cref="IProvisioningStateSource"/>), so an apply does not
/// read the whole log again.
/// </summary>
public sealed class LiveRoutingTable(ProvisioningLog log, ILogger<LiveRoutingTable> logger) : BackgroundService, IProvisioningStateSource
{
    private volatile RoutingSnapshot _current = RoutingSnapshot.Empty;
    private volatile ProvisioningHead? _head; // null until the first refresh; its State is _current's
    private readonly SemaphoreSlim _refresh = new(1, 1);

    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    public RoutingSnapshot Current => _current;

    public ProvisioningHead? Head => _head;

    public async Task<ProvisioningHead> CatchUpAsync(CancellationToken ct = default)
    {
        await RefreshAsync(ct);
        return _head!;
    }

    /// <summary>Folds in provisioning events committed since the last refresh. Returns true when the table changed.</summary>
    public async Task<bool> RefreshAsync(CancellationToken ct = default)
    {
        await _refresh.WaitAsync(ct);
        try
        {
            var head = _head ?? ProvisioningHead.Empty;
            var events = await log.ReadAsync(head.Sequence, ct);
            if (events.Count == 0)
            {
                _head = head;
                return false;
            }
            // The next snapshot reuses every table of the current one the events leave alone (see RoutingSnapshot.Apply).
            var next = _current.Apply(events.Select(e => e.Event).ToList());
            var state = next.State;
            head = new ProvisioningHead(state, events[^1].Sequence, head.Version + events.Count(e => ProvisioningStreams.IsLogEntry(e.Event)))
                { Dids = next.DidIndex };
            _current = next;
            _head = head;
            logger.LogInformation("Routing table now at event {Sequence} (provisioning version {Version}): {Pbxs} PBXs, {Ranges} DID ranges, {Gateways} gateways",
                head.Sequence, head.Version, state.Pbxs.Count, state.DidRanges.Count, state.Gateways.Count);
            return true;
        }
        finally
        {
            _refresh.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PollInterval);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await timer.WaitForNextTickAsync(stoppingToken)) break;
            }
            catch (OperationCanceledException)
            {
                break;
            }
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Could not read provisioning changes; routing keeps the table it has");
            }
        }
    }
}
