using CallControl.Sip.Proxy;

namespace CallControl.Sip.Transactions;

/// <summary>What a transaction needs from its owner: timers that run the callback under the owner's lock,
/// a fire-and-forget send, and a notification when it terminates.</summary>
internal sealed class TransactionEnvironment(
    SipTimerSettings timers,
    Func<TimeSpan, Func<Task>, IDisposable> schedule,
    Action<SipEndpoint, byte[]> send,
    Action<object> terminated)
{
    public SipTimerSettings Timers { get; } = timers;

    public IDisposable Schedule(TimeSpan delay, Func<Task> callback) => schedule(delay, callback);

    public void Send(SipEndpoint destination, byte[] data) => send(destination, data);

    public void Terminated(object transaction) => terminated(transaction);
}
