using System.Net;
using CallControl.Sip.Proxy;

namespace CallControl.Sip.Transport;

/// <summary>Routes outgoing messages to the UDP socket or the TCP / TLS connection table by the destination's transport.</summary>
internal sealed class SipTransportHub : ISipSender
{
    public UdpSipChannel? Udp { get; set; }

    public TcpSipChannel? Tcp { get; set; }

    public TcpSipChannel? Tls { get; set; }

    public ValueTask<bool> SendAsync(SipEndpoint destination, ReadOnlyMemory<byte> data) => destination.Transport switch
    {
        SipTransport.Udp when Udp is not null => Udp.SendAsync(new IPEndPoint(destination.Address, destination.Port), data),
        SipTransport.Tcp when Tcp is not null => Tcp.SendAsync(new IPEndPoint(destination.Address, destination.Port), data),
        SipTransport.Tls when Tls is not null => Tls.SendAsync(new IPEndPoint(destination.Address, destination.Port), data),
        _ => ValueTask.FromResult(false),
    };

    public async ValueTask<string?> SendWithReasonAsync(SipEndpoint destination, ReadOnlyMemory<byte> data)
    {
        var endpoint = new IPEndPoint(destination.Address, destination.Port);
        return destination.Transport switch
        {
            SipTransport.Udp when Udp is not null => await Udp.SendAsync(endpoint, data).ConfigureAwait(false) ? null : $"UDP send to {endpoint} failed",
            SipTransport.Tcp when Tcp is not null => await Tcp.SendWithReasonAsync(endpoint, data).ConfigureAwait(false),
            SipTransport.Tls when Tls is not null => await Tls.SendWithReasonAsync(endpoint, data).ConfigureAwait(false),
            var transport => $"{transport.ToString().ToUpperInvariant()} is not enabled on this node",
        };
    }
}
