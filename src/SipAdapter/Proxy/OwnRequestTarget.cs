namespace CallControl.Sip.Proxy;

/// <summary>Where a request the proxy originates inside a dialog goes, and as whom (see ProxyCore.OwnRequestToward).</summary>
/// <param name="RequestUri">The party's remote target (its Contact).</param>
/// <param name="RouteSet">Route headers, in order.</param>
/// <param name="Destination">First hop.</param>
/// <param name="From">From header value of that party's leg (the other party's tag).</param>
/// <param name="To">To header value of that party's leg (its own tag).</param>
/// <param name="CallId">The Call-ID that leg knows the dialog by (the alias of a topology-hidden callee leg).</param>
internal readonly record struct OwnRequestTarget(string RequestUri, IReadOnlyList<string> RouteSet, SipEndpoint Destination, string From, string To, string CallId);
