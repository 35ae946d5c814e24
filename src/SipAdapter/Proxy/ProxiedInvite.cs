using CallControl.Sip.Message;
using CallControl.Sip.Transactions;

namespace CallControl.Sip.Proxy;

/// <summary>State of one initial INVITE the proxy handles: the caller's server transaction and the current
/// target's client transaction (serial failover). Touched only under the call's lock.</summary>
internal sealed class ProxiedInvite(DialogKey key, SipMessage request, ServerTransaction serverTransaction, SipEndpoint source, string toTag)
{
    public DialogKey Key { get; } = key;

    public SipMessage Request { get; } = request;

    public ServerTransaction ServerTransaction { get; } = serverTransaction;

    public SipEndpoint Source { get; } = source;

    /// <summary>To tag for responses this proxy generates (487, 408, rejections).</summary>
    public string ToTag { get; } = toTag;

    public IReadOnlyList<ForwardTarget> Targets { get; set; } = [];

    public int TargetIndex { get; set; } = -1;

    /// <summary>From <see cref="ForwardInvite.FirstTarget"/>: the target tried first (no failover question for it).</summary>
    public int FirstTarget { get; set; }

    /// <summary>From <see cref="ForwardInvite.MaxDuration"/>: the dialog is ended this long after the answer.</summary>
    public TimeSpan? MaxDuration { get; set; }

    /// <summary>How the current target's leg differs from the caller's (set when the INVITE is built for it).</summary>
    public CalleeLeg? Leg { get; set; }

    /// <summary>The current target's challenge was answered once with credentials; a second one fails the target.</summary>
    public bool ChallengeAnswered { get; set; }

    /// <summary>The client transaction of the target being tried, or null between targets / when finished.</summary>
    public ClientTransaction? Branch { get; set; }

    public IDisposable? TimerC { get; set; }

    public IDisposable? NoAnswerTimer { get; set; }

    /// <summary>A final response went (or is going) to the caller.</summary>
    public bool Finished { get; set; }

    public bool Answered { get; set; }

    /// <summary>The branch whose 2xx was relayed; its 2xx retransmissions are relayed too.</summary>
    public ClientTransaction? AnsweredBranch { get; set; }

    public void StopBranchTimers()
    {
        TimerC?.Dispose();
        NoAnswerTimer?.Dispose();
        TimerC = null;
        NoAnswerTimer = null;
    }
}
