namespace CallControl.Sip.Proxy;

/// <summary>Outcome of an OPTIONS request this node sent on its own to check that a peer is reachable.</summary>
/// <param name="StatusCode">Status of the peer's final response, or null when none came (transport error, timeout).</param>
/// <param name="Detail">The response's reason phrase, or why there was none (e.g. "TCP connect to 127.0.0.21:5060 failed:
/// ConnectionRefused", "TLS handshake with ... failed: ...", "no answer to OPTIONS in 2000 ms").</param>
/// <param name="RoundTrip">From the send to the final response (or to the failure).</param>
public sealed record OptionsProbeResult(int? StatusCode, string Detail, TimeSpan RoundTrip);
