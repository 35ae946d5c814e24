using CallControl.Sip.Proxy;

namespace CallControl.Sip.Transport;

/// <summary>Sends one SIP message to an endpoint over the endpoint's transport. Never throws: false means a
/// transport error (logged by the transport).</summary>
internal interface ISipSender
{
    ValueTask<bool> SendAsync(SipEndpoint destination, ReadOnlyMemory<byte> data);

    /// <summary>As <see cref="SendAsync"/>, but says why a send failed (connection refused, TLS handshake failed...):
    /// null when the message was handed to the transport.</summary>
    async ValueTask<string?> SendWithReasonAsync(SipEndpoint destination, ReadOnlyMemory<byte> data) =>
        await SendAsync(destination, data).ConfigureAwait(false) ? null : $"could not send to {destination}";
}
