using System.Net;
using CallControl.Calls;
using CallControl.Host;
using CallControl.Host.Routing;
using CallControl.Projections.Cdrs;
using CallControl.Provisioning;
using CallControl.Routing;
using CallControl.Tests.Infrastructure;
using Shouldly;

namespace CallControl.Tests.Routing;

/// <summary>ENUM on, against a local DNS responder that knows one number: +4930123456 -> a sipp peer on 127.0.0.51.</summary>
public sealed class EnumRoutingFixture : RoutingFixture
{
    public const string EnumNumber = "+4930123456";
    public static readonly IPAddress EnumPeer = IPAddress.Parse("127.0.0.51");
    public int EnumPeerPort { get; } = FreePort.Udp(EnumPeer);
    public TinyDnsServer Dns { get; private set; } = null!;

    protected override Task BeforeStartAsync()
    {
        Dns = new TinyDnsServer(IPAddress.Loopback, new Dictionary<string, TinyDnsServer.Naptr>
        {
            [EnumQuery.Name(EnumNumber)] = new(100, 10, "u", "E2U+sip", $"!^(.*)$!sip:\\1@{EnumPeer}:{EnumPeerPort}!"),
        });
        return Task.CompletedTask;
    }

    protected override ControllerSettings Configure(ControllerSettings settings) => settings with { Dns = Dns.Endpoint.ToString() };

    public override ProvisioningDocument Document() => base.Document() with { Enum = new EnumSpec { Enabled = true } };
}

public sealed class EnumRoutingTests(EnumRoutingFixture f) : IClassFixture<EnumRoutingFixture>
{
    [Fact]
    public async Task A_number_with_an_E2U_sip_record_is_sent_to_the_uri_ENUM_gives()
    {
        await using var peer = await Sipp.StartServerAsync("uas-answer-expect.xml", EnumRoutingFixture.EnumPeer, f.EnumPeerPort,
            replace: RoutedCallsTests.Expect($@"INVITE sip:\+4930123456@{EnumRoutingFixture.EnumPeer}:{f.EnumPeerPort} "));
        var port = FreePort.Udp(RoutingFixture.Acme);
        await using var caller = Sipp.StartClient("uac-call.xml", RoutingFixture.Acme, port, f.SipEndpoint, "004930123456");
        var result = await caller.WaitAsync();
        result.AllCallsSucceeded.ShouldBeTrue(result.ToString());
        (await peer.WaitAsync()).AllCallsSucceeded.ShouldBeTrue();

        var cdr = await f.FinalCdrFromAsync(RoutingFixture.Acme, port, CdrDispositions.Answered);
        cdr.TargetKind.ShouldBe("enum");
        var routed = await f.SingleEventAsync<CallRouted>(cdr.Id);
        routed.TargetUri.ShouldBe($"sip:+4930123456@{EnumRoutingFixture.EnumPeer}:{f.EnumPeerPort}");
        routed.NextHop.ShouldBe($"udp:{EnumRoutingFixture.EnumPeer}:{f.EnumPeerPort}");
        routed.Candidates.ShouldContain(c => c.Kind == "enum" && c.Outcome == "chosen");
    }

    [Fact]
    public async Task A_number_ENUM_does_not_know_goes_through_LCR()
    {
        await using var gwA = await Sipp.StartServerAsync("uas-answer.xml", RoutingFixture.GwA, f.GwAPort);
        var port = FreePort.Udp(RoutingFixture.Acme);
        await using var caller = Sipp.StartClient("uac-call.xml", RoutingFixture.Acme, port, f.SipEndpoint, "004930999999");
        var result = await caller.WaitAsync();
        result.AllCallsSucceeded.ShouldBeTrue(result.ToString());

        var cdr = await f.FinalCdrFromAsync(RoutingFixture.Acme, port, CdrDispositions.Answered);
        cdr.TargetId.ShouldBe("gw-a");
        var routed = await f.SingleEventAsync<CallRouted>(cdr.Id);
        routed.Candidates.ShouldContain(c => c.Kind == "enum" && c.Outcome == "skipped");
    }

    [Theory]
    [InlineData("!^.*$!sip:info@example.com!", "+441234", "sip:info@example.com")]
    [InlineData("!^\\+(.*)$!sip:\\1@10.0.0.1;transport=tcp!", "+441234", "sip:441234@10.0.0.1;transport=tcp")]
    [InlineData("/^(.*)$/sip:\\1@h/", "+441234", "sip:+441234@h")]
    [InlineData("!^\\+1(.*)$!sip:\\1@h!", "+441234", null)]
    public void The_NAPTR_regexp_is_applied_to_the_number(string field, string number, string? expected) =>
        DnsEnumResolver.ApplyRegexp(field, number).ShouldBe(expected);

    [Theory]
    [InlineData("sip:+441234@10.0.0.1", "10.0.0.1", 5060, "udp")]
    [InlineData("sip:info@example.com:5070;transport=tcp", "example.com", 5070, "tcp")]
    [InlineData("sips:info@example.com", "example.com", 5061, "tls")]
    [InlineData("sip:[2001:db8::1]:5080", "2001:db8::1", 5080, "udp")]
    public void The_host_port_and_transport_of_an_ENUM_uri_are_read(string uri, string host, int port, string transport)
    {
        EnumTarget.TryParse(uri, out var target).ShouldBeTrue();
        target.ShouldBe(new EnumTarget(host, port, transport));
    }

    [Theory]
    [InlineData("mailto:info@example.com")]
    [InlineData("sip:info@example.com:99999")]
    [InlineData("sip:info@example.com;transport=sctp")]
    public void A_uri_the_controller_cannot_send_to_is_refused(string uri) => EnumTarget.TryParse(uri, out _).ShouldBeFalse();
}
