using System.Security.Cryptography;
using System.Text;
using CallControl.Sip.Message;
using CallControl.Sip.Proxy;
using CallControl.Tests.TestSupport;
using Shouldly;

namespace CallControl.Tests.Proxy;

/// <summary><see cref="ForwardTarget.Credentials"/>: a carrier that challenges with 401/407 (RFC 3261 §22.2).
/// The UAS here checks the digest itself (RFC 2617 §3.2.2.1).</summary>
public class DigestAuthTests
{
    private static readonly DigestCredentials Credentials = new("trunk-7", "s3cret", "carrier.example");

    private static void RouteWithCredentials(ProxyTestBed bed) =>
        bed.Policy.Route = invite => new ForwardInvite([new ForwardTarget($"sip:{invite.RequestUriUser}@{bed.Callee.HostPort}", bed.Callee.SipEndpoint)
        {
            Credentials = Credentials,
        }]);

    private static Task ChallengeAsync(ProxyTestBed bed, SipMessage invite, int status, string challenge)
    {
        var b = SipMessageBuilder.ResponseTo(invite, status, status == 401 ? "Unauthorized" : "Proxy Authentication Required", "challenge-tag")
            .Add(status == 401 ? "WWW-Authenticate" : "Proxy-Authenticate", challenge);
        return bed.Callee.SendAsync(b.ToArray(), bed.Proxy);
    }

    private static string Md5(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>What the UAS checks: the response digest over the credentials it knows.</summary>
    private static bool DigestIsValid(SipMessage request, string headerName, string password, string expectedNonce)
    {
        var value = request.GetFirst(headerName);
        value.ShouldNotBeNull($"{headerName} missing");
        value.ShouldStartWith("Digest ");
        var p = DigestChallenge.ParseParameters(value.AsSpan(7));
        p["nonce"].ShouldBe(expectedNonce);
        p["uri"].ShouldBe(request.RequestUri);
        var ha1 = Md5($"{p["username"]}:{p["realm"]}:{password}");
        var ha2 = Md5($"{request.MethodName}:{p["uri"]}");
        var expected = p.TryGetValue("qop", out var qop)
            ? Md5($"{ha1}:{p["nonce"]}:{p["nc"]}:{p["cnonce"]}:{qop}:{ha2}")
            : Md5($"{ha1}:{p["nonce"]}:{ha2}");
        return p["response"] == expected;
    }

    [Fact]
    public async Task Challenge_401_with_qop_auth_is_answered_once_and_the_dialog_stays_consistent()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        RouteWithCredentials(bed);
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        var first = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        first.CSeq.Number.ShouldBe(1u);
        await ChallengeAsync(bed, first, 401, "Digest realm=\"carrier.example\", nonce=\"n0nce-1\", qop=\"auth,auth-int\", opaque=\"op4que\", algorithm=MD5");

        // The 401 is ACKed hop by hop (same branch, CSeq 1), then the INVITE comes again with credentials.
        var ack = await bed.Callee.ExpectRequestAsync(SipMethod.Ack);
        ack.TopVia.Branch.ShouldBe(first.TopVia.Branch);
        ack.CSeq.Number.ShouldBe(1u);
        var second = await bed.Callee.ExpectAsync(m => m.IsRequest && m.Method == SipMethod.Invite && m.CSeq.Number == 2, "authenticated INVITE");
        second.TopVia.Branch.ShouldNotBe(first.TopVia.Branch);
        second.CallId.ShouldBe(first.CallId);
        second.From.Tag.ShouldBe("caller-tag");
        DigestIsValid(second, "Authorization", "s3cret", "n0nce-1").ShouldBeTrue();
        var auth = DigestChallenge.ParseParameters(second.GetFirst("Authorization")!.AsSpan(7));
        auth["username"].ShouldBe("trunk-7");
        auth["qop"].ShouldBe("auth");
        auth["nc"].ShouldBe("00000001");
        auth["opaque"].ShouldBe("op4que");
        (await bed.Caller.NothingAsync(m => !m.IsRequest && m.StatusCode == 401, TimeSpan.FromMilliseconds(200))).ShouldBeTrue();

        await bed.Callee.RespondAsync(second, 180, "Ringing", bed.Proxy);
        var ringing = await bed.Caller.ExpectResponseAsync(180);
        ringing.CSeq.Number.ShouldBe(1u);
        await bed.Callee.RespondAsync(second, 200, "OK", bed.Proxy);
        var ok = await bed.Caller.ExpectResponseAsync(200);
        ok.CSeq.Number.ShouldBe(1u);
        (await bed.Policy.WaitForAsync("Answered")).TargetIndex.ShouldBe(0);
        bed.Policy.Events.Count(e => e.Kind == "AttemptFailed").ShouldBe(0);

        // ACK and BYE from the caller keep its own CSeq space; on the callee leg they are shifted by one.
        var routeSet = ok.GetValues(SipHeaderId.RecordRoute).Reverse().ToList();
        var callerFrom = "\"Alice\" <sip:alice@127.0.0.11>;tag=caller-tag";
        await bed.Caller.SendAsync(SipText.InDialog("ACK", bed.Caller, ok.Contacts[0].UriText, routeSet, callerFrom, ok.GetFirst(SipHeaderId.To)!,
            bed.CallId, 1, bed.Caller.NewBranch()), bed.Proxy);
        var ack2xx = await bed.Callee.ExpectAsync(m => m.IsRequest && m.Method == SipMethod.Ack && m.CSeq.Number == 2, "ACK for the 2xx with CSeq 2");
        ack2xx.To.Tag.ShouldBe("callee-tag");

        await bed.Caller.SendAsync(SipText.InDialog("BYE", bed.Caller, ok.Contacts[0].UriText, routeSet, callerFrom, ok.GetFirst(SipHeaderId.To)!,
            bed.CallId, 2, bed.Caller.NewBranch()), bed.Proxy);
        var bye = await bed.Callee.ExpectRequestAsync(SipMethod.Bye);
        bye.CSeq.Number.ShouldBe(3u);
        await bed.Callee.RespondAsync(bye, 200, "OK", bed.Proxy);
        var byeOk = await bed.Caller.ExpectResponseAsync(200, SipMethod.Bye);
        byeOk.CSeq.Number.ShouldBe(2u);
    }

    [Fact]
    public async Task Challenge_407_without_qop_is_answered_with_proxy_authorization()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        RouteWithCredentials(bed);
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        var first = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await ChallengeAsync(bed, first, 407, "Digest realm=\"carrier.example\", nonce=\"abc\"");
        var second = await bed.Callee.ExpectAsync(m => m.IsRequest && m.Method == SipMethod.Invite && m.CSeq.Number == 2, "authenticated INVITE");
        DigestIsValid(second, "Proxy-Authorization", "s3cret", "abc").ShouldBeTrue();
        second.GetFirst("Proxy-Authorization")!.ShouldNotContain("qop");

        // CANCEL after the retry goes to the new branch with its CSeq.
        await bed.Callee.RespondAsync(second, 180, "Ringing", bed.Proxy);
        var ringing = await bed.Caller.ExpectResponseAsync(180);
        var cancelText = "CANCEL " + $"sip:+31205550200@{bed.Proxy.Address}:{bed.Proxy.Port}" + " SIP/2.0\r\n" +
                         $"Via: {ringing.TopVia.Text}\r\n" + "Max-Forwards: 70\r\n" +
                         $"From: {ringing.GetFirst(SipHeaderId.From)}\r\n" + $"To: <sip:+31205550200@{bed.Proxy.Address}>\r\n" +
                         $"Call-ID: {bed.CallId}\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n";
        await bed.Caller.SendAsync(cancelText, bed.Proxy);
        var cancel = await bed.Callee.ExpectRequestAsync(SipMethod.Cancel);
        cancel.TopVia.Branch.ShouldBe(second.TopVia.Branch);
        cancel.CSeq.Number.ShouldBe(2u);
        await bed.Caller.ExpectResponseAsync(487);
    }

    [Fact]
    public async Task Second_challenge_fails_the_target_and_the_caller_never_sees_it()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        RouteWithCredentials(bed);
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        var first = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await ChallengeAsync(bed, first, 401, "Digest realm=\"carrier.example\", nonce=\"one\", qop=\"auth\"");
        var second = await bed.Callee.ExpectAsync(m => m.IsRequest && m.Method == SipMethod.Invite && m.CSeq.Number == 2, "authenticated INVITE");
        await ChallengeAsync(bed, second, 401, "Digest realm=\"carrier.example\", nonce=\"two\", qop=\"auth\"");

        var failed = await bed.Caller.ExpectResponseAsync(403);
        failed.CSeq.Number.ShouldBe(1u);
        (await bed.Callee.NothingAsync(m => m.IsRequest && m.Method == SipMethod.Invite && m.CSeq.Number == 3, TimeSpan.FromMilliseconds(300))).ShouldBeTrue();
        var attempt = await bed.Policy.WaitForAsync("AttemptFailed");
        attempt.StatusCode.ShouldBe(401);
        (await bed.Policy.WaitForAsync("Failed")).StatusCode.ShouldBe(403);
    }

    [Fact]
    public async Task Challenge_for_another_realm_is_not_answered()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        RouteWithCredentials(bed);
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        var first = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await ChallengeAsync(bed, first, 401, "Digest realm=\"elsewhere\", nonce=\"one\"");
        await bed.Caller.ExpectResponseAsync(403);
        (await bed.Callee.NothingAsync(m => m.IsRequest && m.Method == SipMethod.Invite && m.CSeq.Number == 2, TimeSpan.FromMilliseconds(200))).ShouldBeTrue();
    }

    [Theory]
    [InlineData("Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"", false)]
    [InlineData("Digest realm=\"r\", nonce=\"n\", algorithm=SHA-256", false)]
    [InlineData("Basic realm=\"r\"", false)]
    [InlineData("Digest nonce=\"n\"", false)]
    [InlineData("Digest realm=\"a, b\", nonce=\"n\\\"q\", stale=FALSE", true)]
    public void Challenge_parsing(string header, bool supported)
    {
        DigestChallenge.TryParse(header, out var challenge).ShouldBe(supported);
        if (supported)
        {
            challenge.Realm.ShouldBe("a, b");
            challenge.Nonce.ShouldBe("n\"q");
        }
    }

    [Fact]
    public void Response_matches_the_rfc_2617_example()
    {
        // RFC 2617 §3.5: Mufasa / Circle Of Life, GET /dir/index.html.
        var challenge = new DigestChallenge("testrealm@host.com", "dcd98b7102dd2f0e8b11d0f600bfb0c093", "5ccc069c403ebaf9f0171e9517f40e41", "MD5", true);
        var header = challenge.Answer(new DigestCredentials("Mufasa", "Circle Of Life"), "GET", "/dir/index.html", "0a4f113b", 1);
        header.ShouldContain("response=\"6629fae49393a05397450978507c4ef1\"");
    }

    [Fact]
    public void Credentials_never_print_their_password()
    {
        var text = new DigestCredentials("Mufasa", "Circle Of Life", "testrealm").ToString();
        text.ShouldNotContain("Circle Of Life");
        text.ShouldContain("Mufasa");
        text.ShouldContain("Password = ***");
    }
}
