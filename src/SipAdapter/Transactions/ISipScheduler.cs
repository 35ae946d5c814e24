namespace CallControl.Sip.Transactions;

/// <summary>
/// Runs a callback after a delay. All SIP timers (RFC 3261 A..K, Timer C, no-answer timeouts) go through this so
/// that tests can drive them with a fake clock. The returned handle cancels the timer when disposed; disposing after
/// the callback ran is harmless. Callbacks may run on any thread.
/// </summary>
public interface ISipScheduler
{
    IDisposable Schedule(TimeSpan delay, Action callback);
}
