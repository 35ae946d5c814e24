namespace CallControl.Sip.Proxy;

/// <summary>How the callee's leg of a dialog differs from the caller's: From/To as sent to the callee (caller-ID
/// policy, topology hiding), the Call-ID alias of a hidden leg, the CSeq shift after a digest retry, and whether the caller's topology is hidden.
/// In-dialog requests and responses are translated with it in both directions.</summary>
/// <param name="From">From header value on the callee leg (same tag as the caller's).</param>
/// <param name="To">To header value on the callee leg, without tag.</param>
/// <param name="CSeqOffset">Added to CSeq numbers of the caller's requests on the callee leg (1 after a digest retry).</param>
/// <param name="HideTopology">The callee sees only this proxy: no Via, Record-Route, Route or Contact of the caller's side.</param>
internal sealed record CalleeLeg(string From, string To, uint CSeqOffset, bool HideTopology)
{
    /// <summary>From/To differ between the legs (so requests and responses need rewriting).</summary>
    public bool RewritesHeaders { get; init; }

    /// <summary>Hidden legs: Record-Route entries of the caller's side (our inbound entry on a transport switch, then
    /// the upstream proxies'), added back to dialog-creating responses toward the caller.</summary>
    public IReadOnlyList<string> CallerSideRecordRoutes { get; init; } = [];

    /// <summary>Hidden legs: the Call-ID the callee sees (an alias generated here), or null when it is the caller's.</summary>
    public string? CallId { get; init; }

    public bool Translates => RewritesHeaders || CSeqOffset != 0 || HideTopology;
}
