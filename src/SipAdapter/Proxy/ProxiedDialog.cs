namespace CallControl.Sip.Proxy;

/// <summary>An answered dialog through this proxy (caller From tag, callee To tag).</summary>
internal sealed class ProxiedDialog(DialogKey key, string calleeTag, SipEndpoint caller, SipEndpoint callee, int targetIndex,
    string? callerTarget, string? calleeTarget)
{
    /// <summary>Caller's Contact URI (remote target for requests toward the caller).</summary>
    public string? CallerTarget { get; } = callerTarget;

    /// <summary>Callee's Contact URI from the 2xx.</summary>
    public string? CalleeTarget { get; } = calleeTarget;

    public DialogKey Key { get; } = key;

    public string CallerTag => Key.FromTag;

    public string CalleeTag { get; } = calleeTag;

    public SipEndpoint Caller { get; } = caller;

    public SipEndpoint Callee { get; } = callee;

    public int TargetIndex { get; } = targetIndex;

    /// <summary>OnEndedAsync was called (BYE seen).</summary>
    public bool Ended { get; set; }

    /// <summary>Where requests toward the caller go (the INVITE's response destination).</summary>
    public SipEndpoint CallerDestination { get; init; }

    /// <summary>The caller's From header value (with tag), as sent in the INVITE.</summary>
    public string CallerFrom { get; init; } = "";

    /// <summary>The callee's To header value (with tag), as sent in the 2xx.</summary>
    public string CalleeTo { get; init; } = "";

    /// <summary>The caller's To header value (without tag), as sent in the INVITE.</summary>
    public string CallerTo { get; init; } = "";

    /// <summary>How the callee's leg differs (From/To, CSeq shift, topology hiding).</summary>
    public CalleeLeg Leg { get; init; } = new("", "", 0, false);

    /// <summary>Route set toward the caller: the Record-Route entries of proxies between the caller and us, in order.</summary>
    public IReadOnlyList<string> CallerRouteSet { get; init; } = [];

    /// <summary>Route set toward the callee: the 2xx's Record-Route entries above ours, reversed.</summary>
    public IReadOnlyList<string> CalleeRouteSet { get; init; } = [];

    /// <summary>Highest CSeq seen in requests from each side (for requests the proxy itself sends, e.g. BYE).</summary>
    public uint CallerCSeq { get; set; }

    public uint CalleeCSeq { get; set; }

    /// <summary>When the 2xx was relayed (for logs; the domain keeps its own times).</summary>
    public NodaTime.Instant AnsweredAt { get; init; }

    /// <summary>The maximum-duration timer, if any.</summary>
    public IDisposable? Timer { get; set; }

    /// <summary>The keep-alive timer (next round of in-dialog OPTIONS), if pinging is on.</summary>
    public IDisposable? PingTimer { get; set; }

    public DialogPing CallerPing { get; } = new(DialogParty.Caller);

    public DialogPing CalleePing { get; } = new(DialogParty.Callee);

    public bool Owns(DialogPing ping) => ping == CallerPing || ping == CalleePing;

    public void SawRequest(DialogParty party, uint cseq)
    {
        (party == DialogParty.Caller ? CallerPing : CalleePing).SeenAlive = true;
        if (party == DialogParty.Caller && cseq > CallerCSeq)
        {
            CallerCSeq = cseq;
        }
        else if (party == DialogParty.Callee && cseq > CalleeCSeq)
        {
            CalleeCSeq = cseq;
        }
    }

    /// <summary>Stops the maximum-duration and keep-alive timers (the dialog ended).</summary>
    public void StopTimers()
    {
        Timer?.Dispose();
        Timer = null;
        PingTimer?.Dispose();
        PingTimer = null;
    }

    /// <summary>Which party sent a request with these tags, or null when the tags do not match this dialog.</summary>
    public DialogParty? PartyOf(string? fromTag, string? toTag)
    {
        if (fromTag == CallerTag && toTag == CalleeTag)
        {
            return DialogParty.Caller;
        }

        if (fromTag == CalleeTag && toTag == CallerTag)
        {
            return DialogParty.Callee;
        }

        return null;
    }
}
