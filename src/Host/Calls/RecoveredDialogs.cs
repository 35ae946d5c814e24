using System.Collections.Concurrent;
using CallControl.Sip.Proxy;
using NodaTime;

namespace CallControl.Host.Calls;

/// <summary>An answered call taken back after a restart whose dialog state was recorded: handed to the SIP server once it
/// listens (<see cref="CallControl.Sip.SipServer.RestoreDialogAsync"/>).</summary>
/// <param name="MaxDuration">The call's limit from its answer (its grant, at most the maximum call duration).</param>
public sealed record RecoveredDialog(string CallKey, DialogKey Key, int TargetIndex, DialogState State, Instant AnsweredAt, Duration MaxDuration);

/// <summary>The dialogs <see cref="CallRecovery"/> found, waiting for the SIP server (hosted services start in order:
/// recovery before SIP). Taken once.</summary>
public sealed class RecoveredDialogs
{
    private readonly ConcurrentQueue<RecoveredDialog> _pending = new();

    public void Add(RecoveredDialog dialog) => _pending.Enqueue(dialog);

    public IReadOnlyList<RecoveredDialog> TakeAll()
    {
        var all = new List<RecoveredDialog>();
        while (_pending.TryDequeue(out var d)) all.Add(d);
        return all;
    }
}
