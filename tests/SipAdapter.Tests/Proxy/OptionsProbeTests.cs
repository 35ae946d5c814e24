using System.Net;
using System.Net.Sockets;
using CallControl.Sip.Message;
using CallControl.Sip.Proxy;
using CallControl.Tests.TestSupport;
using Shouldly;

namespace CallControl.Tests.Proxy;

/// <summary><see cref="CallControl.Sip.SipServer.SendOptionsAsync"/>: probes over the peer's transport through the
/// node's own transports; refused connections and failed TLS handshakes are results with their reason, not exceptions.</summary>
public class OptionsProbeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Tcp_probes_reuse_one_connection_and_a_closed_port_is_a_refused_probe()
    {
        await using var bed = await ProxyTestBed.StartAsync(configure: o => o with { TcpPort = 0 });
        await using var peer = new TcpTestPeer("127.0.0.12");
        for (var i = 0; i < 3; i++)
        {
            var probe = bed.Server.SendOptionsAsync(peer.SipEndpoint, Timeout);
            var options = await peer.ExpectRequestAsync(SipMethod.Options);
            options.TopVia.Transport.ShouldBe("TCP");
            options.RequestUri.ShouldEndWith(";transport=tcp");
            await peer.RespondAsync(options, 200, "OK");
            var result = await probe;
            (result.StatusCode, result.Detail).ShouldBe((200, "OK"));
        }

        peer.AcceptedConnections.ShouldBe(1);
        await ProxyTestBed.EventuallyAsync(() => bed.Server.ActiveCallCount == 0, "probe transactions ended");

        var closedPort = FreePortOn(IPAddress.Parse("127.0.0.13"));
        var refused = await bed.Server.SendOptionsAsync(new SipEndpoint(IPAddress.Parse("127.0.0.13"), closedPort, SipTransport.Tcp), Timeout);
        refused.StatusCode.ShouldBeNull();
        refused.Detail.ShouldContain("ConnectionRefused");
        refused.Detail.ShouldContain("TCP connect");
        await ProxyTestBed.EventuallyAsync(() => bed.Server.ActiveCallCount == 0, "refused probe left nothing");
    }

    [Fact]
    public async Task A_tls_probe_to_a_peer_that_does_not_speak_tls_fails_with_the_handshake_as_reason()
    {
        var (certificate, key) = TestCertificates.WritePem(Path.Combine(Path.GetTempPath(), $"cc-tls-{Guid.NewGuid():N}"));
        await using var bed = await ProxyTestBed.StartAsync(configure: o => o with { TlsPort = 0, TlsCertificatePath = certificate, TlsKeyPath = key });
        // A plain TCP listener that closes every connection at once: the TLS handshake cannot complete.
        using var listener = new TcpListener(IPAddress.Parse("127.0.0.12"), 0);
        listener.Start();
        var closer = Task.Run(async () =>
        {
            using var accepted = await listener.AcceptSocketAsync();
            accepted.Close();
        });
        var endpoint = (IPEndPoint)listener.LocalEndpoint;
        var result = await bed.Server.SendOptionsAsync(new SipEndpoint(endpoint.Address, endpoint.Port, SipTransport.Tls), Timeout);
        await closer;
        result.StatusCode.ShouldBeNull();
        result.Detail.ShouldContain("TLS handshake");
    }

    [Fact]
    public async Task Udp_probe_without_answer_times_out_and_leaves_nothing_behind()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        var silent = bed.Callee.SipEndpoint; // receives, never answers
        var result = await bed.Server.SendOptionsAsync(silent, TimeSpan.FromMilliseconds(300));
        result.StatusCode.ShouldBeNull();
        result.Detail.ShouldContain("no answer to OPTIONS");
        (await bed.Callee.ExpectRequestAsync(SipMethod.Options)).Method.ShouldBe(SipMethod.Options);
        await ProxyTestBed.EventuallyAsync(() => bed.Server.ActiveCallCount == 0, "abandoned probe ended");

        var answered = bed.Server.SendOptionsAsync(silent, Timeout);
        var options = await bed.Callee.ExpectRequestAsync(SipMethod.Options);
        await bed.Callee.RespondAsync(options, 404, "Not Found", bed.Proxy);
        (await answered).StatusCode.ShouldBe(404);
    }

    private static int FreePortOn(IPAddress address)
    {
        using var l = new TcpListener(address, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
