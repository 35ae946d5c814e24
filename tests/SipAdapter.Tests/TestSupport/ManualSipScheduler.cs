using CallControl.Sip.Transactions;
using NodaTime;
using NodaTime.Testing;

namespace CallControl.Tests.TestSupport;

/// <summary>Fake-clock scheduler: timers fire only inside <see cref="Advance"/>, in due order, with the
/// <see cref="FakeClock"/> set to each timer's due instant.</summary>
public sealed class ManualSipScheduler : ISipScheduler
{
    private readonly List<Entry> _entries = [];
    private readonly SemaphoreSlim _scheduled = new(0);
    private long _sequence;

    public FakeClock Clock { get; } = new(Instant.FromUtc(2026, 1, 1, 12, 0));

    public IDisposable Schedule(TimeSpan delay, Action callback)
    {
        var entry = new Entry(Clock.GetCurrentInstant() + Duration.FromTimeSpan(delay), delay, Interlocked.Increment(ref _sequence), callback);
        lock (_entries)
        {
            _entries.Add(entry);
        }

        _scheduled.Release();
        return entry;
    }

    /// <summary>Delays of timers pending now (for assertions and waits).</summary>
    public IReadOnlyList<TimeSpan> PendingDelays
    {
        get
        {
            lock (_entries)
            {
                return _entries.Where(e => !e.Cancelled).Select(e => e.Delay).ToList();
            }
        }
    }

    /// <summary>Waits until a timer with the given delay is pending (the code under test runs on other threads).</summary>
    public async Task WaitForTimerAsync(TimeSpan delay, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TestSupportWait.Default);
        while (!PendingDelays.Contains(delay))
        {
            try
            {
                await _scheduled.WaitAsync(TimeSpan.FromMilliseconds(50), cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No timer of {delay} was scheduled. Pending: {string.Join(", ", PendingDelays)}");
            }
        }
    }

    /// <summary>Moves the clock forward, firing every timer that falls due on the way (also ones scheduled meanwhile).</summary>
    public void Advance(TimeSpan by)
    {
        var target = Clock.GetCurrentInstant() + Duration.FromTimeSpan(by);
        while (true)
        {
            Entry? next = null;
            lock (_entries)
            {
                _entries.RemoveAll(e => e.Cancelled);
                foreach (var e in _entries)
                {
                    if (e.Due <= target && (next is null || e.Due < next.Due || (e.Due == next.Due && e.Sequence < next.Sequence)))
                    {
                        next = e;
                    }
                }

                if (next is not null)
                {
                    _entries.Remove(next);
                }
            }

            if (next is null)
            {
                break;
            }

            if (next.Due > Clock.GetCurrentInstant())
            {
                Clock.Reset(next.Due);
            }

            next.Callback();
        }

        Clock.Reset(target);
    }

    private sealed class Entry(Instant due, TimeSpan delay, long sequence, Action callback) : IDisposable
    {
        public Instant Due { get; } = due;

        public TimeSpan Delay { get; } = delay;

        public long Sequence { get; } = sequence;

        public Action Callback { get; } = callback;

        public bool Cancelled { get; private set; }

        public void Dispose() => Cancelled = true;
    }
}
