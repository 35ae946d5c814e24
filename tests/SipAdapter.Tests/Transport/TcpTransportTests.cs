using System.Net.Sockets;
using System.Text;
using CallControl.Sip.Message;
using CallControl.Sip.Proxy;
using CallControl.Tests.TestSupport;
using Shouldly;

namespace CallControl.Tests.Transport;

public class TcpTransportTests
{
    private static Task<ProxyTestBed> StartAsync(TimeSpan? idle = null) =>
        ProxyTestBed.StartAsync(configure: o => o with { TcpPort = 0, TcpIdleTimeout = idle ?? TimeSpan.FromMinutes(1) });

    private static string Options(string hostPort, string branch, string callId) =>
        $"OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP {hostPort};branch={branch}\r\nMax-Forwards: 70\r\n" +
        $"From: <sip:ping@127.0.0.12>;tag=p\r\nTo: <sip:127.0.0.1>\r\nCall-ID: {callId}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";

    private static async Task<string> ReadSomeAsync(NetworkStream stream, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer, cts.Token);
        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    [Fact]
    public async Task Caller_on_udp_callee_on_tcp_switches_transport_with_double_record_route()
    {
        await using var bed = await StartAsync();
        await using var callee = new TcpTestPeer("127.0.0.12");
        bed.Policy.Route = invite => new ForwardInvite([new ForwardTarget($"sip:{invite.RequestUriUser}@{callee.HostPort};transport=tcp", callee.SipEndpoint)]);

        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        var atCallee = await callee.ExpectRequestAsync(SipMethod.Invite);
        atCallee.TopVia.Transport.ShouldBe("TCP");
        atCallee.TopVia.Port.ShouldBe(bed.Server.TcpEndpoint!.Value.Port);
        atCallee.RecordRoutes.Select(r => r.Uri!.Transport).ShouldBe(["tcp", "udp"]);

        await callee.RespondAsync(atCallee, 200, "OK");
        var ok = await bed.Caller.ExpectResponseAsync(200);
        ok.RecordRoutes.Count.ShouldBe(2);

        var callerRoutes = ok.GetValues(SipHeaderId.RecordRoute).Reverse();
        await bed.Caller.SendAsync(SipText.InDialog("ACK", bed.Caller, ok.Contacts[0].UriText, callerRoutes, "<sip:alice@127.0.0.11>;tag=caller-tag",
            ok.GetFirst(SipHeaderId.To)!, bed.CallId, 1, bed.Caller.NewBranch()), bed.Proxy);
        var ack = await callee.ExpectRequestAsync(SipMethod.Ack);
        ack.Routes.ShouldBeEmpty();
        callee.OriginOf(ack).ShouldBeSameAs(callee.OriginOf(atCallee));

        // The callee hangs up over the connection the proxy opened; the BYE reaches the caller over UDP.
        var bye = SipText.InDialog("BYE", bed.Caller, atCallee.Contacts[0].UriText, atCallee.GetValues(SipHeaderId.RecordRoute),
            "<sip:+31205550200@127.0.0.1>;tag=callee-tag", atCallee.GetFirst(SipHeaderId.From)!, bed.CallId, 1, callee.NewBranch())
            .Replace($"SIP/2.0/UDP {bed.Caller.HostPort}", $"SIP/2.0/TCP {callee.HostPort}");
        await TcpTestPeer.WriteAsync(callee.OriginOf(atCallee), bye);
        var byeAtCaller = await bed.Caller.ExpectRequestAsync(SipMethod.Bye);
        byeAtCaller.TopVia.Transport.ShouldBe("UDP");
        (await bed.Policy.WaitForAsync("Ended")).Party.ShouldBe(DialogParty.Callee);
        await bed.Caller.RespondAsync(byeAtCaller, 200, "OK", bed.Proxy, toTag: "caller-tag");
        await callee.ExpectResponseAsync(200, SipMethod.Bye);
        callee.AcceptedConnections.ShouldBe(1);
    }

    [Fact]
    public async Task Request_written_in_pieces_is_framed_and_answered_on_the_same_connection()
    {
        await using var bed = await StartAsync();
        await using var peer = new TcpTestPeer("127.0.0.12");
        var stream = await peer.ConnectAsync(bed.Server.TcpEndpoint!.Value);
        var bytes = Encoding.UTF8.GetBytes(Options(peer.HostPort, peer.NewBranch(), bed.CallId));
        for (var i = 0; i < bytes.Length; i += 17)
        {
            await stream.WriteAsync(bytes.AsMemory(i, Math.Min(17, bytes.Length - i)));
            await stream.FlushAsync();
        }

        var ok = await peer.ExpectResponseAsync(200, SipMethod.Options);
        ok.TopVia.Transport.ShouldBe("TCP");
        bed.Server.TcpConnectionCount.ShouldBe(1);
    }

    [Fact]
    public async Task Crlf_ping_gets_crlf_pong()
    {
        await using var bed = await StartAsync();
        using var client = new TcpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Parse("127.0.0.12"), 0));
        await client.ConnectAsync(bed.Server.TcpEndpoint!.Value.Address, bed.Server.TcpEndpoint!.Value.Port);
        var stream = client.GetStream();
        await stream.WriteAsync("\r\n\r\n"u8.ToArray());
        (await ReadSomeAsync(stream, TimeSpan.FromSeconds(5))).ShouldBe("\r\n");
    }

    [Fact]
    public async Task Framing_error_answers_400_and_closes_the_connection()
    {
        await using var bed = await StartAsync();
        using var client = new TcpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Parse("127.0.0.12"), 0));
        await client.ConnectAsync(bed.Server.TcpEndpoint!.Value.Address, bed.Server.TcpEndpoint!.Value.Port);
        var stream = client.GetStream();
        var noLength = Options("127.0.0.12:5060", "z9hG4bKx", bed.CallId).Replace("Content-Length: 0\r\n", "");
        await stream.WriteAsync(Encoding.UTF8.GetBytes(noLength));

        var text = new StringBuilder();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var buffer = new byte[4096];
        int read;
        while ((read = await stream.ReadAsync(buffer, cts.Token)) > 0)
        {
            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        text.ToString().ShouldStartWith("SIP/2.0 400 Missing Content-Length\r\n");
        bed.Server.Counters[SipCounter.TcpFramingErrors].ShouldBe(1);
    }

    [Fact]
    public async Task Idle_connection_is_closed()
    {
        await using var bed = await StartAsync(idle: TimeSpan.FromMilliseconds(300));
        using var client = new TcpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Parse("127.0.0.12"), 0));
        await client.ConnectAsync(bed.Server.TcpEndpoint!.Value.Address, bed.Server.TcpEndpoint!.Value.Port);
        (await ReadSomeAsync(client.GetStream(), TimeSpan.FromSeconds(5))).ShouldBeEmpty();
    }

    [Fact]
    public async Task Unreachable_tcp_target_fails_over()
    {
        await using var bed = await StartAsync();
        var closedPort = new TcpListener(System.Net.IPAddress.Parse("127.0.0.13"), 0);
        closedPort.Start();
        var dead = (System.Net.IPEndPoint)closedPort.LocalEndpoint;
        closedPort.Stop();
        bed.Policy.Route = invite => new ForwardInvite([
            new ForwardTarget($"sip:x@{dead};transport=tcp", new SipEndpoint(dead.Address, dead.Port, SipTransport.Tcp)),
            new ForwardTarget($"sip:x@{bed.Callee.HostPort}", bed.Callee.SipEndpoint),
        ]);
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        var attempt = await bed.Policy.WaitForAsync("AttemptFailed");
        attempt.StatusCode.ShouldBe(503);
        attempt.TargetIndex.ShouldBe(0);

        // A failed connect is not remembered: once the peer listens, the next call connects.
        using var revived = new TcpListener(dead);
        revived.Start();
        bed.Policy.Route = invite => new ForwardInvite([new ForwardTarget($"sip:x@{dead};transport=tcp", new SipEndpoint(dead.Address, dead.Port, SipTransport.Tcp))]);
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId + "-2", bed.Caller.NewBranch()), bed.Proxy);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        using var accepted = await revived.AcceptTcpClientAsync(cts.Token);
        (await ReadSomeAsync(accepted.GetStream(), TimeSpan.FromSeconds(5))).ShouldStartWith("INVITE ");
    }

    [Fact]
    public async Task Caller_on_tcp_reaches_callee_on_udp_and_gets_responses_on_its_connection()
    {
        await using var bed = await StartAsync();
        await using var caller = new TcpTestPeer("127.0.0.11");
        bed.RouteTo(bed.Callee);
        var stream = await caller.ConnectAsync(bed.Server.TcpEndpoint!.Value);
        var invite = SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, caller.NewBranch())
            .Replace($"SIP/2.0/UDP {bed.Caller.HostPort}", $"SIP/2.0/TCP {caller.HostPort}")
            .Replace($"<sip:alice@{bed.Caller.HostPort}>", $"<sip:alice@{caller.HostPort};transport=tcp>");
        // Two messages in one write: a CRLF ping must not disturb framing either.
        await TcpTestPeer.WriteAsync(stream, invite + "\r\n\r\n" + Options(caller.HostPort, caller.NewBranch(), bed.CallId + "-o"));
        await caller.ExpectResponseAsync(100);
        await caller.ExpectResponseAsync(200, SipMethod.Options);

        var atCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        atCallee.RecordRoutes.Select(r => r.Uri!.Transport).ShouldBe(["udp", "tcp"]);
        atCallee.Vias[1].Transport.ShouldBe("TCP");
        await bed.Callee.RespondAsync(atCallee, 486, "Busy Here", bed.Proxy);
        var busy = await caller.ExpectResponseAsync(486);
        caller.OriginOf(busy).ShouldBeSameAs(stream);
        (await bed.Policy.WaitForAsync("Failed")).StatusCode.ShouldBe(486);
    }

    [Fact]
    public async Task Oversized_message_is_rejected_before_parsing_and_the_connection_closed()
    {
        await using var bed = await ProxyTestBed.StartAsync(configure: o => o with { TcpPort = 0, MaxMessageSize = 2048, MaxLineLength = 1024 });
        using var client = new TcpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Parse("127.0.0.12"), 0));
        await client.ConnectAsync(bed.Server.TcpEndpoint!.Value.Address, bed.Server.TcpEndpoint!.Value.Port);
        var stream = client.GetStream();
        var big = Options("127.0.0.12:5060", "z9hG4bKbig", bed.CallId).Replace("Content-Length: 0", "Content-Length: 100000");
        await stream.WriteAsync(Encoding.UTF8.GetBytes(big));
        var text = new StringBuilder();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var buffer = new byte[4096];
        int read;
        while ((read = await stream.ReadAsync(buffer, cts.Token)) > 0)
        {
            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        text.ToString().ShouldStartWith("SIP/2.0 513 Message Too Large\r\n");
    }

    [Fact]
    public async Task Requests_toward_a_tcp_caller_reuse_the_connection_it_opened()
    {
        await using var bed = await StartAsync();
        await using var caller = new TcpTestPeer("127.0.0.11");
        bed.RouteTo(bed.Callee);
        var stream = await caller.ConnectAsync(bed.Server.TcpEndpoint!.Value);
        var invite = SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, caller.NewBranch())
            .Replace($"SIP/2.0/UDP {bed.Caller.HostPort}", $"SIP/2.0/TCP {caller.HostPort}")
            .Replace($"<sip:alice@{bed.Caller.HostPort}>", $"<sip:alice@{caller.HostPort};transport=tcp>");
        await TcpTestPeer.WriteAsync(stream, invite);
        var atCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await bed.Callee.RespondAsync(atCallee, 200, "OK", bed.Proxy);
        await caller.ExpectResponseAsync(200);

        var bye = SipText.InDialog("BYE", bed.Callee, atCallee.Contacts[0].UriText, atCallee.GetValues(SipHeaderId.RecordRoute),
            "<sip:+31205550200@127.0.0.1>;tag=callee-tag", atCallee.GetFirst(SipHeaderId.From)!, bed.CallId, 1, bed.Callee.NewBranch());
        await bed.Callee.SendAsync(bye, bed.Proxy);
        var byeAtCaller = await caller.ExpectRequestAsync(SipMethod.Bye);
        caller.OriginOf(byeAtCaller).ShouldBeSameAs(stream);
        caller.AcceptedConnections.ShouldBe(0);
        byeAtCaller.TopVia.Transport.ShouldBe("TCP");
    }
}
