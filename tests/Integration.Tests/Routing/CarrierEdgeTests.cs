using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using CallControl.Projections.Cdrs;
using CallControl.Provisioning;
using CallControl.Tests.Infrastructure;
using Shouldly;

namespace CallControl.Tests.Routing;

/// <summary>gw-b (the first gateway of carrier "uk") asks for digest credentials.</summary>
public sealed class CarrierEdgeFixture : RoutingFixture
{
    public const string Username = "acme-trunk", Password = "s3cret", Realm = "carrier.example";

    public override ProvisioningDocument Document()
    {
        var doc = base.Document();
        return doc with
        {
            Gateways = doc.Gateways.Select(g => g.Id == "gw-b"
                ? g with { Auth = new GatewayAuthSpec { Username = Username, Password = Password, Realm = Realm } }
                : g).ToList(),
        };
    }
}

/// <summary>
/// What a carrier sees of an outbound call: only the controller (topology hiding), the PBX's caller-ID
/// policy applied (P-Asserted-Identity), and its digest challenge answered. The carrier here is a
/// small C# gateway on 127.0.0.22 that records the raw INVITEs it gets.
/// </summary>
public sealed class CarrierEdgeTests(CarrierEdgeFixture f) : IClassFixture<CarrierEdgeFixture>
{
    [Fact]
    public async Task The_carrier_sees_only_the_controller_the_presented_caller_id_and_a_valid_digest_answer()
    {
        using var gateway = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        gateway.Bind(new IPEndPoint(RoutingFixture.GwB, f.GwBPort));
        var invites = new List<string>();
        var carrier = Task.Run(async () =>
        {
            var buffer = new byte[65535];
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (invites.Count < 2)
            {
                var r = await gateway.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cts.Token);
                var text = Encoding.UTF8.GetString(buffer, 0, r.ReceivedBytes);
                if (!text.StartsWith("INVITE ", StringComparison.Ordinal) || invites.Contains(text)) continue;
                invites.Add(text);
                var reply = invites.Count == 1
                    ? Response(text, "407 Proxy Authentication Required", $"Proxy-Authenticate: Digest realm=\"{CarrierEdgeFixture.Realm}\", nonce=\"n0nce42\", algorithm=MD5\r\n")
                    : Response(text, "486 Busy Here", "");
                await gateway.SendToAsync(Encoding.UTF8.GetBytes(reply), SocketFlags.None, r.RemoteEndPoint, cts.Token);
            }
        });

        var port = FreePort.Udp(RoutingFixture.Acme);
        await using (var caller = Sipp.StartClient("uac-expect-error.xml", RoutingFixture.Acme, port, f.SipEndpoint, "00442071234567",
                         replace: new Dictionary<string, string> { ["EXPECTED_STATUS"] = "486" }))
        {
            var result = await caller.WaitAsync();
            result.AllCallsSucceeded.ShouldBeTrue(result.ToString());
        }
        await carrier.WaitAsync(TimeSpan.FromSeconds(30));

        foreach (var invite in invites)
        {
            var headers = invite[..invite.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
            // Topology hiding: no address of the PBX's side in any routing or identity header. Known gap: the
            // Call-ID is passed as the PBX made it (sipp puts its address in it), and so is the SDP (no media relay).
            var routingHeaders = string.Join("\r\n", headers.Split("\r\n").Where(l => !l.StartsWith("Call-ID:", StringComparison.OrdinalIgnoreCase)));
            routingHeaders.ShouldNotContain("127.0.0.11", customMessage: headers);
            headers.ShouldContain("P-Asserted-Identity: <sip:+31205550100@");
            headers.Split("\r\n").Count(l => l.StartsWith("Via:", StringComparison.OrdinalIgnoreCase)).ShouldBe(1);
        }
        var auth = invites[1].Split("\r\n").Single(l => l.StartsWith("Proxy-Authorization:", StringComparison.Ordinal));
        string Param(string name) => auth.Split(name + "=\"")[1].Split('"')[0];
        Param("username").ShouldBe(CarrierEdgeFixture.Username);
        Param("realm").ShouldBe(CarrierEdgeFixture.Realm);
        // RFC 2617 without qop: response = MD5(MD5(user:realm:password):nonce:MD5(INVITE:uri)).
        var ha1 = Md5($"{CarrierEdgeFixture.Username}:{CarrierEdgeFixture.Realm}:{CarrierEdgeFixture.Password}");
        var ha2 = Md5($"INVITE:{Param("uri")}");
        Param("response").ShouldBe(Md5($"{ha1}:n0nce42:{ha2}"));

        var cdr = await f.FinalCdrFromAsync(RoutingFixture.Acme, port);
        cdr.Disposition.ShouldBe(CdrDispositions.Busy);
        cdr.TargetId.ShouldBe("gw-b");
    }

    private static string Md5(string s) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(s)));

    private static string Response(string request, string status, string extra)
    {
        var lines = request.Split("\r\n");
        string Header(string name) => string.Join("\r\n", lines.Where(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase)));
        return $"SIP/2.0 {status}\r\n{Header("Via")}\r\n{Header("From")}\r\n{Header("To")};tag=carrier1\r\n{Header("Call-ID")}\r\n{Header("CSeq")}\r\n{extra}Content-Length: 0\r\n\r\n";
    }
}
