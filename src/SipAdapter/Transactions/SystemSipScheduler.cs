namespace CallControl.Sip.Transactions;

/// <summary>Production scheduler on top of <see cref="TimeProvider"/> timers (thread-pool callbacks).</summary>
public sealed class SystemSipScheduler(TimeProvider timeProvider) : ISipScheduler
{
    public SystemSipScheduler()
        : this(TimeProvider.System)
    {
    }

    public IDisposable Schedule(TimeSpan delay, Action callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (delay < TimeSpan.Zero)
        {
            delay = TimeSpan.Zero;
        }

        return timeProvider.CreateTimer(static state => ((Action)state!).Invoke(), callback, delay, Timeout.InfiniteTimeSpan);
    }
}
