using System.Collections.Concurrent;
using CallControl.Sip.Proxy;

namespace CallControl.Tests.TestSupport;

/// <summary>One call into the policy, in the order they happened.</summary>
public sealed record PolicyEvent(string Kind, DialogKey Key, int TargetIndex = -1, int StatusCode = 0, string Reason = "", DialogParty Party = DialogParty.Proxy);

/// <summary>Records every policy call; routing is a configurable function. Waits are bounded, never sleeps.</summary>
public sealed class FakeProxyPolicy : IProxyPolicy
{
    private readonly ConcurrentQueue<PolicyEvent> _events = new();
    private readonly SemaphoreSlim _changed = new(0);

    public Func<InviteRequest, RouteDecision> Route { get; set; } = _ => new RejectInvite(404, "Not Found");

    /// <summary>Delay before OnAnsweredAsync completes (write-ahead latency).</summary>
    public TimeSpan AnswerDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Answer to OnFailoverAsync for a target index (default: try every target).</summary>
    public Func<int, bool> TryTarget { get; set; } = _ => true;

    public ConcurrentQueue<InviteRequest> Invites { get; } = new();

    /// <summary>What <see cref="MaxDurationAfterAnswer"/> answers (null: keep the INVITE's limit).</summary>
    public Func<DialogKey, TimeSpan?> AfterAnswer { get; set; } = _ => null;

    public TimeSpan? MaxDurationAfterAnswer(DialogKey key) => AfterAnswer(key);

    public IReadOnlyList<PolicyEvent> Events => _events.ToArray();

    public ValueTask<RouteDecision> RouteAsync(InviteRequest invite, CancellationToken ct)
    {
        Invites.Enqueue(invite);
        Record(new PolicyEvent("Route", invite.Key));
        return ValueTask.FromResult(Route(invite));
    }

    public ValueTask OnAttemptFailedAsync(DialogKey key, int targetIndex, int statusCode, string reason)
    {
        Record(new PolicyEvent("AttemptFailed", key, targetIndex, statusCode, reason));
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> OnFailoverAsync(DialogKey key, int targetIndex)
    {
        var tryIt = TryTarget(targetIndex);
        Record(new PolicyEvent(tryIt ? "Failover" : "FailoverSkipped", key, targetIndex));
        return ValueTask.FromResult(tryIt);
    }

    /// <summary>The callee-side Call-ID reported with each answer.</summary>
    public ConcurrentQueue<string> AnsweredCalleeCallIds { get; } = new();

    /// <summary>The dialog state of each answer, as the proxy reported it.</summary>
    public ConcurrentQueue<DialogState> AnsweredDialogs { get; } = new();

    public async ValueTask OnAnsweredAsync(DialogKey key, int targetIndex, ReadOnlyMemory<byte> answerBody, DialogState dialog)
    {
        AnsweredCalleeCallIds.Enqueue(dialog.CalleeCallId ?? key.CallId);
        AnsweredDialogs.Enqueue(dialog);
        if (AnswerDelay > TimeSpan.Zero)
        {
            await Task.Delay(AnswerDelay);
        }

        Record(new PolicyEvent("Answered", key, targetIndex));
    }

    public ValueTask OnFailedAsync(DialogKey key, int statusCode, string reason, DialogParty endedBy)
    {
        Record(new PolicyEvent("Failed", key, -1, statusCode, reason, endedBy));
        return ValueTask.CompletedTask;
    }

    public ValueTask OnEndedAsync(DialogKey key, DialogParty endedBy, string reason)
    {
        Record(new PolicyEvent("Ended", key, -1, 0, reason, endedBy));
        return ValueTask.CompletedTask;
    }

    public ValueTask OnReinviteAsync(DialogKey key, DialogParty sentBy, ReadOnlyMemory<byte> offerBody, ReadOnlyMemory<byte> answerBody)
    {
        Record(new PolicyEvent("Reinvite", key, -1, 0, "", sentBy));
        return ValueTask.CompletedTask;
    }

    public ValueTask OnRestoredDialogLostAsync(DialogKey key, string reason)
    {
        Record(new PolicyEvent("Lost", key, -1, 0, reason, DialogParty.Proxy));
        return ValueTask.CompletedTask;
    }

    public ValueTask OnUnknownDialogEndedAsync(string callId, string fromTag, string? toTag)
    {
        Record(new PolicyEvent("UnknownDialogEnded", new DialogKey(callId, fromTag), -1, 0, toTag ?? ""));
        return ValueTask.CompletedTask;
    }

    public async Task<PolicyEvent> WaitForAsync(string kind, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TestSupportWait.Default);
        while (true)
        {
            foreach (var e in _events)
            {
                if (e.Kind == kind)
                {
                    return e;
                }
            }

            try
            {
                await _changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No policy event '{kind}'. Seen: {string.Join(", ", _events.Select(e => e.Kind))}");
            }
        }
    }

    private void Record(PolicyEvent e)
    {
        _events.Enqueue(e);
        _changed.Release(64);
    }
}
