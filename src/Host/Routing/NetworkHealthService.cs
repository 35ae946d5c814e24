using CallControl.Host.EventStore;
using CallControl.Projections;
using CallControl.Routing;
using Marten;
using Marten.Events;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace CallControl.Host.Routing;

/// <summary>
/// The network health the SIP path routes with (which gateways are down, which PBXs unreachable), in
/// memory (DESIGN.md rule 3). Folded from the health events at start-up, before SIP opens; then kept
/// current two ways: events this process records (probe state changes) apply at once, and the log is
/// followed so events recorded by another node or process arrive within <see cref="PollInterval"/>.
/// </summary>
public sealed class NetworkHealthService(IDocumentStore store, GroupCommitWriter writer, ILogger<NetworkHealthService> logger) : BackgroundService
{
    private volatile NetworkHealth _current = NetworkHealth.AllUp;
    private readonly object _gate = new();
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private long _sequence, _floor;
    private readonly HashSet<long> _applied = new();

    /// <summary>The event writer commits several batches at once (one lane per stream), so an event may commit
    /// after one with a higher sequence was read. Each refresh reads again this far below the highest sequence seen
    /// and skips what it already applied (as LiveBilling does); within one subject the order is kept by its lane.</summary>
    public const long Lookback = 2000;

    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    public NetworkHealth Current => _current;

    /// <summary>Appends a health event to its subject's stream and applies it in memory at once (before the
    /// commit: the router must stop using a dead gateway now; the event is kept and written even if the store
    /// is down for a while). Completes when the event is committed or buffered.</summary>
    public async Task RecordAsync(IHealthEvent e, CancellationToken ct = default)
    {
        lock (_gate) _current = _current.Apply(e);
        await writer.AppendAsync(StreamOf(e), AppendKind.InProgress, e).WaitAsync(ct);
    }

    public static string StreamOf(IHealthEvent e) => e switch
    {
        GatewayMarkedDown x => HealthStreams.Gateway(x.GatewayId),
        GatewayMarkedUp x => HealthStreams.Gateway(x.GatewayId),
        PbxMarkedUnreachable x => HealthStreams.Pbx(x.PbxId),
        PbxMarkedReachable x => HealthStreams.Pbx(x.PbxId),
        _ => throw new ArgumentException($"Not a known health event: {e.GetType().Name}", nameof(e)),
    };

    /// <summary>Folds in health events committed since the last refresh.</summary>
    public async Task RefreshAsync(CancellationToken ct = default)
    {
        await _refresh.WaitAsync(ct);
        try
        {
            var events = (await ReadAsync(store, _floor, ct)).Where(e => _applied.Add(e.Sequence)).ToList();
            if (events.Count == 0) return;
            // Re-applying an event already applied in memory is harmless: marks set and clear by subject.
            lock (_gate) _current = _current.ApplyAll(events.Select(e => e.Event));
            _sequence = Math.Max(_sequence, events.Max(e => e.Sequence));
            var floor = Math.Max(_floor, _sequence - Lookback);
            if (floor > _floor)
            {
                _floor = floor;
                _applied.RemoveWhere(s => s <= floor);
            }
            logger.LogInformation("Network health now at event {Sequence}: {Down} gateway(s) down, {Unreachable} PBX(s) unreachable",
                _sequence, _current.DownGateways.Count, _current.UnreachablePbxs.Count);
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>The network health as it was at <paramref name="asOf"/> (by the instant on each event; everything when null).</summary>
    public static async Task<NetworkHealth> LoadAsync(IDocumentStore store, Instant? asOf, CancellationToken ct = default)
    {
        var events = await ReadAsync(store, 0, ct);
        return NetworkHealth.AllUp.ApplyAll(events.Select(e => e.Event).Where(e => asOf is not { } t || e.At <= t));
    }

    private static async Task<IReadOnlyList<(long Sequence, IHealthEvent Event)>> ReadAsync(IDocumentStore store, long afterSequence, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var events = await session.Events.QueryAllRawEvents()
            .Where(e => e.Sequence > afterSequence)
            .Where(e => e.EventTypesAre(EventStoreConfiguration.HealthEventTypes))
            .OrderBy(e => e.Sequence)
            .ToListAsync(ct);
        return events.Select(e => (e.Sequence, (IHealthEvent)e.Data)).ToList();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PollInterval);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await timer.WaitForNextTickAsync(stoppingToken)) break;
                await RefreshAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Could not read health events; routing keeps the network health it has");
            }
        }
    }
}
