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
/// Group commit (DESIGN.md rule 2): every append pending across all calls goes into one transaction,
/// then all their callers are released. One writer loop, so the batch grows with the load: commit
/// latency is paid once per batch, not once per SIP message.
/// </summary>
public sealed class GroupCommitWriter : IAsyncDisposable
{
    private sealed record PendingAppend(string StreamKey, object[] Events, AppendKind Kind, TaskCompletionSource<bool> Done);

    private readonly IDocumentStore _store;
    private readonly ILogger _logger;
    private readonly int _maxBatch;
    private readonly Channel<PendingAppend> _channel = Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<PendingAppend> _retry = new();
    private readonly Task _loop;
    private long _batches, _events, _failures;

    public GroupCommitWriter(IDocumentStore store, ILogger<GroupCommitWriter> logger, int maxBatch = 2000)
    {
        _store = store;
        _logger = logger;
        _maxBatch = maxBatch;
        _loop = Task.Run(RunAsync);
    }

    public long Batches => Interlocked.Read(ref _batches);
    public long EventsWritten => Interlocked.Read(ref _events);
    public long Failures => Interlocked.Read(ref _failures);
    /// <summary>In-progress events kept while the store is unreachable.</summary>
    public int Buffered { get { lock (_retry) return _retry.Count; } }

    /// <summary>Appends events to a stream; completes when they are committed (true), or for
    /// <see cref="AppendKind.InProgress"/> when the store is down, when they are buffered (false).
    /// Throws <see cref="EventStoreUnavailableException"/> for <see cref="AppendKind.NewCall"/> when the store is down.</summary>
    public Task<bool> AppendAsync(string streamKey, AppendKind kind, params object[] events)
    {
        var pending = new PendingAppend(streamKey, events, kind, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_channel.Writer.TryWrite(pending))
            pending.Done.SetException(new EventStoreUnavailableException("the event writer is stopped", new ObjectDisposedException(nameof(GroupCommitWriter))));
        return pending.Done.Task;
    }

    private async Task RunAsync()
    {
        var batch = new List<PendingAppend>();
        var backoff = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            bool retrying;
            lock (_retry) retrying = _retry.Count > 0;
            if (!retrying && !await _channel.Reader.WaitToReadAsync().ConfigureAwait(false)) break;

            batch.Clear();
            lock (_retry) { batch.AddRange(_retry); _retry.Clear(); }
            while (batch.Count < _maxBatch && _channel.Reader.TryRead(out var item)) batch.Add(item);
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
                        lock (_retry) _retry.Add(item);
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
        _channel.Writer.TryComplete();
        var finished = await Task.WhenAny(_loop, Task.Delay(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
        if (finished != _loop)
            _logger.LogError("Event writer stopped with {Count} appends not written", Buffered);
    }
}
