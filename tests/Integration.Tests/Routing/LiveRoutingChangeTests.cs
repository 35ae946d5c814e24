using System.Net.Http.Json;
using System.Text.Json;
using CallControl.Projections.Cdrs;
using CallControl.Provisioning;
using CallControl.Tests.Infrastructure;
using NodaTime;
using NodaTime.Text;
using Shouldly;

namespace CallControl.Tests.Routing;

public sealed class LiveRoutingChangeFixture : RoutingFixture;

/// <summary>Routing changes while the controller runs: calls in progress keep their route, new calls and
/// as-of queries see the tables as they were at their instant.</summary>
public sealed class LiveRoutingChangeTests(LiveRoutingChangeFixture f) : IClassFixture<LiveRoutingChangeFixture>
{
    private static string Iso(Instant instant) => InstantPattern.ExtendedIso.Format(instant);

    [Fact]
    public async Task A_routing_change_applies_to_new_calls_and_leaves_a_call_in_progress_alone()
    {
        await using var gwA = await Sipp.StartServerAsync("uas-answer.xml", RoutingFixture.GwA, f.GwAPort);
        var firstPort = FreePort.Udp(RoutingFixture.Acme);
        await using var first = Sipp.StartClient("uac-call-hold.xml", RoutingFixture.Acme, firstPort, f.SipEndpoint, "0301234567",
            replace: new Dictionary<string, string> { ["HOLD_MS"] = "3000" });
        var answered = await Eventually.Until(() => f.CdrFromAsync(RoutingFixture.Acme, firstPort), c => c?.AnsweredAt is not null);
        answered!.TargetId.ShouldBe("gw-a");

        // Everything now goes to carrier uk (gw-b first), while the first call is still up.
        var changed = f.Document() with
        {
            Lcr = [new LcrRuleSpec { Prefix = "+", Carriers = [new LcrCarrierSpec { Carrier = "uk" }] },
                   new LcrRuleSpec { Prefix = "+44", Carriers = [new LcrCarrierSpec { Carrier = "uk" }] }],
        };
        (await f.ProvisionAsync(changed)).IsValid.ShouldBeTrue();
        (await f.CdrFromAsync(RoutingFixture.Acme, firstPort))!.EndedAt.ShouldBeNull();

        await using var gwB = await Sipp.StartServerAsync("uas-answer.xml", RoutingFixture.GwB, f.GwBPort);
        var secondPort = FreePort.Udp(RoutingFixture.Acme);
        await using var second = Sipp.StartClient("uac-call.xml", RoutingFixture.Acme, secondPort, f.SipEndpoint, "0301234567");
        var secondResult = await second.WaitAsync();
        secondResult.AllCallsSucceeded.ShouldBeTrue(secondResult.ToString());
        (await f.FinalCdrFromAsync(RoutingFixture.Acme, secondPort, CdrDispositions.Answered)).TargetId.ShouldBe("gw-b");

        var firstResult = await first.WaitAsync();
        firstResult.AllCallsSucceeded.ShouldBeTrue(firstResult.ToString());
        (await gwA.WaitAsync()).AllCallsSucceeded.ShouldBeTrue();
        var firstCdr = await f.FinalCdrFromAsync(RoutingFixture.Acme, firstPort, CdrDispositions.Answered);
        (firstCdr.TargetId, firstCdr.EndedBy).ShouldBe(("gw-a", "caller"));
    }

    [Fact]
    public async Task The_route_query_as_of_an_instant_answers_with_the_tables_of_that_instant()
    {
        var before = f.Now;
        var blocked = f.Document() with { BlockedPrefixes = ["+31900", "+3130"] };
        (await f.ProvisionAsync(blocked)).IsValid.ShouldBeTrue();
        var after = f.Now;

        using var http = new HttpClient { BaseAddress = new Uri(f.HttpUrl) };
        var old = await http.GetFromJsonAsync<JsonElement>($"/api/route?from=acme-hq&number=0301234567&at={Iso(before)}");
        old.GetProperty("outcome").GetString().ShouldBe("routed");
        old.GetProperty("normalizedNumber").GetString().ShouldBe("+31301234567");
        old.GetProperty("normalizationRule").GetString().ShouldBe("national");
        old.GetProperty("targets")[0].GetString()!.ShouldStartWith("gateway:");

        var now = await http.GetFromJsonAsync<JsonElement>($"/api/route?from=acme-hq&number=0301234567&at={Iso(after)}");
        now.GetProperty("outcome").GetString().ShouldBe("refused");
        now.GetProperty("statusCode").GetInt32().ShouldBe(403);
        now.GetProperty("reason").GetString()!.ShouldContain("+3130");
        now.GetProperty("candidates").EnumerateArray().ShouldContain(c => c.GetProperty("kind").GetString() == "normalize");

        // Restore, so the other test of this class routes as before whatever the order.
        (await f.ProvisionAsync(f.Document())).IsValid.ShouldBeTrue();
    }
}
