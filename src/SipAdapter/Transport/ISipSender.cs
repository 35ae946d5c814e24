using CallControl.Sip.Proxy;

namespace CallControl.Sip.Transport;

/// <summary>Sends one SIP message to an endpoint over the endpoint's transport. Never throws: false means a
/// transport error (logged by the transport).</summary>
internal interface ISipSender
{
    ValueTask<bool> SendAsync(SipEndpoint destination, ReadOnlyMemory<byte> data);
}
