using System.Net;
using CallControl.Host;
using CallControl.Host.Provisioning;
using CallControl.Host.Routing;
using CallControl.Host.Sip;
using CallControl.Projections.Cdrs;
using CallControl.Tests.Infrastructure;
using CallControl.Tests.Routing;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;

namespace CallControl.Tests.EndToEnd;

/// <summary>
/// A controller that stops with a call up, and a new one on the same event store and address: the call is
/// taken back from the events (its dialog too, from <c>CallAnswered</c>), and its BYE ends it exactly once.
/// </summary>
public sealed class RestartTests
{
    [Fact]
    public async Task A_call_up_across_a_controller_restart_is_ended_by_its_bye_and_recorded_once()
    {
        var sipPort = FreePort.Udp(IPAddress.Loopback);
        var acmePort = FreePort.Udp(ControllerFixture.AcmeAddress);
        var globexPort = FreePort.Udp(ControllerFixture.GlobexAddress);
        var settings = new ControllerSettings
        {
            ConnectionString = TestDatabase.ConnectionString,
            Schema = TestDatabase.NewSchema("restart"),
            SipAddress = IPAddress.Loopback,
            SipPort = sipPort,
            HttpUrl = $"http://127.0.0.1:{FreePort.Tcp(IPAddress.Loopback)}",
        };

        var first = await StartAsync(settings, acmePort, globexPort);
        await using var callee = await Sipp.StartServerAsync("uas-answer.xml", ControllerFixture.GlobexAddress, globexPort);
        var callerPort = FreePort.Udp(ControllerFixture.AcmeAddress);
        // The caller holds 5 s, then hangs up; its BYE is retransmitted for 32 s (Timer E/F), so it reaches
        // the second controller however long that one takes to start.
        await using var caller = Sipp.StartClient("uac-call-hold.xml", ControllerFixture.AcmeAddress, callerPort,
            new IPEndPoint(IPAddress.Loopback, sipPort), "+31205550200", replace: new Dictionary<string, string> { ["HOLD_MS"] = "5000" });

        var source = $"udp:{ControllerFixture.AcmeAddress}:{callerPort}";
        var store = first.Services.GetRequiredService<IDocumentStore>();
        await Eventually.Until(async () =>
        {
            await using var s = store.QuerySession();
            return await s.Query<Cdr>().Where(c => c.Source == source && c.AnsweredAt != null).AnyAsync();
        }, answered => answered);

        // ... and the caller has its 200: the 4th message the proxy got is the caller's ACK (INVITE, 180, 200,
        // ACK; a retransmitted 200 would only come 500 ms after the first, which is relayed once it is durable).
        var sip = first.Services.GetRequiredService<SipService>().Server;
        await Eventually.Until(() => Task.FromResult(sip.Counters[CallControl.Sip.Proxy.SipCounter.MessagesReceived]), n => n >= 4);

        // The first controller goes away with the call up (its proxy state is lost).
        await first.StopAsync();
        await first.DisposeAsync();

        await using var second = await StartAsync(settings, acmePort, globexPort);
        var callerResult = await caller.WaitAsync();
        callerResult.AllCallsSucceeded.ShouldBeTrue(callerResult.ToString());
        (await callee.WaitAsync()).AllCallsSucceeded.ShouldBeTrue();

        var secondStore = second.Services.GetRequiredService<IDocumentStore>();
        var cdr = await Eventually.Until(async () =>
        {
            await using var s = secondStore.QuerySession();
            return (await s.Query<Cdr>().Where(c => c.Source == source).ToListAsync()).Single();
        }, c => c.EndedAt is not null);
        cdr.Disposition.ShouldBe(CdrDispositions.Answered);
        cdr.EndedBy.ShouldBe("caller"); // the new proxy carries the dialog on: the BYE is known, not an unknown dialog
        await using var session = secondStore.QuerySession();
        var events = await session.Events.FetchStreamAsync(cdr.Id);
        events.Count(e => e.Data is CallControl.Calls.CallEnded).ShouldBe(1);
        await second.StopAsync();
    }

    internal static async Task<WebApplication> StartAsync(ControllerSettings settings, int acmePort, int globexPort)
    {
        var app = ControllerHost.Build(settings);
        await app.StartAsync();
        var demo = ProvisioningJson.Demo();
        var doc = demo with
        {
            Tenants = demo.Tenants.Select(t => t with
            {
                Pbxs = t.Pbxs.Select(p => p with { Port = p.Id == "acme-hq" ? acmePort : globexPort }).ToList(),
            }).ToList(),
        };
        await app.Services.GetRequiredService<ProvisioningService>().ApplyAsync(doc);
        await app.Services.GetRequiredService<LiveRoutingTable>().RefreshAsync();
        return app;
    }
}
