namespace CallControl.Sip.Proxy;

/// <summary>
/// What the proxy keeps of an answered dialog, as the policy records it at the answer (write-ahead) so that a new process
/// can carry the dialog on after a restart (<see cref="SipServer.RestoreDialogAsync"/>): route the parties' in-dialog
/// requests with the right translation (the Call-ID alias of a topology-hidden callee leg), ping them, and end the dialog
/// with a BYE to each. Header values are kept as they were on the wire.
/// </summary>
/// <param name="CalleeTag">The callee's To tag (from the 2xx).</param>
/// <param name="CallerDestination">Where requests toward the caller go (the INVITE's response destination).</param>
/// <param name="Callee">Where the INVITE that was answered went.</param>
/// <param name="CallerFrom">The caller's From header value, with its tag.</param>
/// <param name="CallerTo">The caller's To header value, without tag.</param>
/// <param name="CalleeTo">The To header value of the 2xx (callee leg, with the callee's tag).</param>
/// <param name="CallerContact">The caller's Contact URI (remote target toward the caller), or null.</param>
/// <param name="CalleeContact">The callee's Contact URI from the 2xx, or null.</param>
/// <param name="CallerRouteSet">Route set toward the caller (the INVITE's Record-Route values).</param>
/// <param name="CalleeRouteSet">Route set toward the callee (the 2xx's Record-Route entries above ours, reversed).</param>
/// <param name="CallerCSeq">The INVITE's CSeq number (the highest the caller had sent when the dialog was set up).</param>
/// <param name="LegFrom">From header value on the callee leg.</param>
/// <param name="LegTo">To header value on the callee leg, without tag.</param>
/// <param name="LegCSeqOffset">Added to the caller's CSeq numbers on the callee leg (1 after a digest retry).</param>
/// <param name="HideTopology">The callee leg is topology-hidden.</param>
/// <param name="RewritesHeaders">From/To differ between the legs.</param>
/// <param name="CalleeCallId">The Call-ID alias the callee leg uses, or null when it is the caller's Call-ID.</param>
public sealed record DialogState(
    string CalleeTag,
    SipEndpoint CallerDestination,
    SipEndpoint Callee,
    string CallerFrom,
    string CallerTo,
    string CalleeTo,
    string? CallerContact,
    string? CalleeContact,
    IReadOnlyList<string> CallerRouteSet,
    IReadOnlyList<string> CalleeRouteSet,
    uint CallerCSeq,
    string LegFrom,
    string LegTo,
    uint LegCSeqOffset,
    bool HideTopology,
    bool RewritesHeaders,
    string? CalleeCallId);
