using CallControl.Sip.Proxy;

namespace CallControl.Sip.Transport;

/// <summary>Receives raw messages from transports. Called on thread-pool threads; must not throw.</summary>
internal interface ISipMessageSink
{
    /// <summary>A datagram or a framed stream message. <paramref name="data"/> is owned by the sink.</summary>
    void OnMessage(byte[] data, SipEndpoint source);

    /// <summary>A stream framing error: the transport sends the returned response (if any), then closes the connection.</summary>
    byte[]? OnFramingError(SipEndpoint source, Message.SipFrameResult result, ReadOnlySpan<byte> data);
}
