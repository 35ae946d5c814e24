using System.Threading.Channels;
using Marten;
using Microsoft.Extensions.Logging;

namespace CallControl.Host.EventStore;

/// <summary>The event store could not take a new call's events: the call must be refused (503).</summary>
public sealed class EventStoreUnavailableException(string message, Exception inner) : Exception(message, inner);

/// <summary>How an append must be treated when the event store is down (DESIGN.md rule 6).</summary>
public enum AppendKind
{
    /// <summary>Events of a call that has not been forwarded yet: fail fast, the call gets 503.</summary>
    NewCall,
    /// <summary>Events of a call in progress: keep them and write them when the store is back.</summary>
    InProgress,
}

/// <summary>
/// Group commit (DESIGN.md rule 2): every append pending goes into one transaction, then all its
/// callers are released, so commit latency is paid once per batch, not once per SIP message.
/// <para>
/// Several commits can be in flight at once (<c>lanes</c>): each stream belongs to one lane (by its key's
/// hash), and a lane commits one batch at a time, so the events of a stream are still written in the order
/// they were appended; only events of different streams may commit out of sequence order (the followers
/// that read by sequence tolerate that, see BillingLog). The default is one lane: on the 2-core benchmark
/// machine, where PostgreSQL shares the controller's core, 4 lanes made INVITE → 200 slower (p50 3.2 s vs
/// 0.6 s at 200 calls/s, docs/decisions.md); worth measuring again where the database has its own cores.
/// </para>
/// </summary>
public sealed class GroupCommitWriter : IAsyncDisposable
{
    public const int DefaultLanes = 1;

    private sealed record PendingAppend(string StreamKey, object[] Events, AppendKind Kind, TaskCompletionSource<bool> Done);

    private sealed class Lane
    {
        public readonly Channel<PendingAppend> Channel = System.Threading.Channels.Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true });
        public readonly List<PendingAppend> Retry = new();
        public Task Loop = Task.CompletedTask;
    }

    private readonly IDocumentStore _store;
    private readonly ILogger _logger;
    private readonly int _maxBatch;
    private readonly Lane[] _lanes;
    private long _batches, _events, _failures;

    public GroupCommitWriter(IDocumentStore store, ILogger<GroupCommitWriter> logger) : this(store, logger, 2000, DefaultLanes) { }

    public GroupCommitWriter(IDocumentStore store, ILogger<GroupCommitWriter> logger, int maxBatch, int lanes = DefaultLanes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(lanes, 1);
        _store = store;
        _logger = logger;
        _maxBatch = maxBatch;
        _lanes = new Lane[lanes];
        for (var i = 0; i < lanes; i++)
        {
            var lane = _lanes[i] = new Lane();
            lane.Loop = Task.Run(() => RunAsync(lane));
        }
    }

    public long Batches => Interlocked.Read(ref _batches);
    public long EventsWritten => Interlocked.Read(ref _events);
    public long Failures => Interlocked.Read(ref _failures);
    /// <summary>Commits that may be in flight at once.</summary>
    public int Lanes => _lanes.Length;
    /// <summary>In-progress events kept while the store is unreachable.</summary>
    public int Buffered => _lanes.Sum(l => { lock (l.Retry) return l.Retry.Count; });

    /// <summary>Appends events to a stream; completes when they are committed (true), or for
    /// <see cref="AppendKind.InProgress"/> when the store is down, when they are buffered (false).
    /// Throws <see cref="EventStoreUnavailableException"/> for <see cref="AppendKind.NewCall"/> when the store is down.</summary>
    public Task<bool> AppendAsync(string streamKey, AppendKind kind, params object[] events)
    {
        var pending = new PendingAppend(streamKey, events, kind, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        var lane = _lanes[(uint)StringComparer.Ordinal.GetHashCode(streamKey) % (uint)_lanes.Length];
        if (!lane.Channel.Writer.TryWrite(pending))
            pending.Done.SetException(new EventStoreUnavailableException("the event writer is stopped", new ObjectDisposedException(nameof(GroupCommitWriter))));
        return pending.Done.Task;
    }

    private async Task RunAsync(Lane lane)
    {
        var batch = new List<PendingAppend>();
        var backoff = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            bool retrying;
            lock (lane.Retry) retrying = lane.Retry.Count > 0;
            if (!retrying && !await lane.Channel.Reader.WaitToReadAsync().ConfigureAwait(false)) break;

            batch.Clear();
            // Buffered appends go first: a stream's events keep their order.
            lock (lane.Retry) { batch.AddRange(lane.Retry); lane.Retry.Clear(); }
            while (batch.Count < _maxBatch && lane.Channel.Reader.TryRead(out var item)) batch.Add(item);
            if (batch.Count == 0) continue;

            try
            {
                await using var session = _store.LightweightSession();
                foreach (var item in batch) session.Events.Append(item.StreamKey, item.Events);
                await session.SaveChangesAsync().ConfigureAwait(false);
                Interlocked.Increment(ref _batches);
                Interlocked.Add(ref _events, batch.Sum(b => b.Events.Length));
                foreach (var item in batch) item.Done.TrySetResult(true);
                backoff = TimeSpan.FromMilliseconds(100);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Interlocked.Increment(ref _failures);
                _logger.LogError(ex, "Event store commit of {Count} appends failed; new calls are refused until it is back", batch.Count);
                foreach (var item in batch)
                {
                    if (item.Kind == AppendKind.NewCall)
                        item.Done.TrySetException(new EventStoreUnavailableException("the event store is unavailable", ex));
                    else
                    {
                        lock (lane.Retry) lane.Retry.Add(item);
                        item.Done.TrySetResult(false);
                    }
                }
                await Task.Delay(backoff).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    /// <summary>Stops taking appends and writes what is pending (retrying a short while if the store is down).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var lane in _lanes) lane.Channel.Writer.TryComplete();
        var all = Task.WhenAll(_lanes.Select(l => l.Loop));
        var finished = await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
        if (finished != all)
            _logger.LogError("Event writer stopped with {Count} appends not written", Buffered);
    }
}
