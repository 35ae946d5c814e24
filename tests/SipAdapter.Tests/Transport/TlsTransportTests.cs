using CallControl.Sip;
using CallControl.Sip.Message;
using CallControl.Sip.Proxy;
using CallControl.Tests.TestSupport;
using Shouldly;

namespace CallControl.Tests.Transport;

/// <summary>TLS (RFC 3261 §26.2.1): a caller on TLS toward a UDP callee, the certificate from PEM files made in code.</summary>
public class TlsTransportTests
{
    private static async Task<ProxyTestBed> StartWithTlsAsync()
    {
        var (certificate, key) = TestCertificates.WritePem(Path.Combine(Path.GetTempPath(), $"cc-tls-{Guid.NewGuid():N}"));
        return await ProxyTestBed.StartAsync(configure: o => o with { TlsPort = 0, TlsCertificatePath = certificate, TlsKeyPath = key });
    }

    [Fact]
    public async Task Tls_caller_places_a_call_to_a_udp_callee_and_receives_the_callees_bye_on_its_connection()
    {
        await using var bed = await StartWithTlsAsync();
        bed.RouteTo(bed.Callee);
        var tlsProxy = bed.Server.TlsEndpoint!.Value;
        await using var caller = await TlsTestClient.ConnectAsync("127.0.0.11", tlsProxy);

        var invite = SipText.Invite(bed.Caller, tlsProxy, bed.CallId, caller.NewBranch())
            .Replace($"SIP/2.0/UDP {bed.Caller.HostPort}", $"SIP/2.0/TLS {caller.HostPort}", StringComparison.Ordinal)
            .Replace($"<sip:alice@{bed.Caller.HostPort}>", $"<sip:alice@{caller.HostPort};transport=tls>", StringComparison.Ordinal);
        await caller.SendAsync(invite);
        await caller.ExpectAsync(m => m.StatusCode == 100, "100 Trying");

        var atCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        atCallee.TopVia.Transport.ShouldBe("UDP");
        atCallee.RecordRoutes.Select(r => r.Text).ShouldBe([
            $"<sip:127.0.0.1:{bed.Proxy.Port};transport=udp;lr>",
            $"<sip:127.0.0.1:{tlsProxy.Port};transport=tls;lr>",
        ]);
        await bed.Callee.RespondAsync(atCallee, 200, "OK", bed.Proxy, body: "v=0\r\n");
        var ok = await caller.ExpectAsync(m => m.StatusCode == 200, "200 OK over TLS");
        ok.TopVia.Transport.ShouldBe("TLS");
        bed.Server.TlsConnectionCount.ShouldBe(1);

        // The callee hangs up: the BYE goes to the caller over its TLS connection (Record-Route says transport=tls).
        var bye = SipText.InDialog("BYE", bed.Callee, atCallee.Contacts[0].UriText, atCallee.GetValues(SipHeaderId.RecordRoute),
            "<sip:+31205550200@127.0.0.1>;tag=callee-tag", atCallee.GetFirst(SipHeaderId.From)!, bed.CallId, 1, bed.Callee.NewBranch());
        await bed.Callee.SendAsync(bye, bed.Proxy);
        var atCaller = await caller.ExpectAsync(m => m.IsRequest && m.Method == SipMethod.Bye, "BYE over TLS");
        atCaller.TopVia.Transport.ShouldBe("TLS");
        atCaller.TopVia.Port.ShouldBe(tlsProxy.Port);
        await caller.SendAsync(SipMessageBuilder.ResponseTo(atCaller, 200, "OK", "caller-tag").ToArray());
        await bed.Callee.ExpectResponseAsync(200, SipMethod.Bye);
        (await bed.Policy.WaitForAsync("Ended")).Party.ShouldBe(DialogParty.Callee);
    }

    [Fact]
    public void Tls_port_without_certificate_is_refused_naming_the_setting()
    {
        var options = new SipServerOptions { TlsPort = 5061 };
        Should.Throw<ArgumentException>(options.Validate).ParamName.ShouldBe("TlsPort");
        var missing = new SipServerOptions { TlsPort = 5061, TlsCertificatePath = "/nonexistent/cert.pem", TlsKeyPath = "/nonexistent/key.pem" };
        Should.Throw<ArgumentException>(missing.Validate).ParamName.ShouldBe("TlsCertificatePath");
    }
}
