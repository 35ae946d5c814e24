using System.Net;
using CallControl.Billing.Accounts;
using CallControl.Billing.Csv;
using CallControl.Calls;
using CallControl.Host.Billing;
using CallControl.Projections.Billing;
using CallControl.Host;
using CallControl.Host.Calls;
using CallControl.Host.Limits;
using CallControl.Host.Provisioning;
using CallControl.Host.Routing;
using CallControl.Host.Sip;
using CallControl.Projections.Cdrs;
using CallControl.Provisioning;
using CallControl.Sip.Message;
using CallControl.Tests.Infrastructure;
using CallControl.Tests.Routing;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;

namespace CallControl.Tests.EndToEnd;

/// <summary>
/// A restart takes back the whole call, not only its counters: acme-hq (sipp) calls the UK through carrier gw-b (a scripted
/// C# gateway, topology hidden, so its leg has a Call-ID alias), the controller goes away with the call up, and a new
/// controller on the same event store and address carries the dialog on from what <see cref="CallAnswered"/> recorded.
/// </summary>
public sealed class RecoveredDialogTests
{
    private static readonly IPAddress Acme = RoutingFixture.Acme;
    private static readonly IPAddress GwB = RoutingFixture.GwB;
    private const string UkNumber = "00442071234567";

    [Fact]
    public async Task A_hidden_carrier_call_up_across_a_restart_is_ended_by_the_carriers_bye_which_the_pbx_gets_with_its_own_call_id()
    {
        await using var run = await Run.StartAsync(s => s with { SipT1 = TimeSpan.FromMilliseconds(100) });
        var alias = (await run.Carrier.Invite).CallId;
        alias.ShouldNotContain("127.0.0.11");
        await using var second = await run.RestartAsync();

        // The carrier hangs up with the alias: the new controller finds the call (before, its alias index was empty: 503).
        var answer = await run.Carrier.HangUpAsync(TimeSpan.FromSeconds(30));
        answer.StatusCode.ShouldBe(200);
        answer.CallId.ShouldBe(alias);
        // sipp's scenario succeeds only if the BYE it gets carries its own Call-ID (else it is an unexpected message).
        var callerResult = await run.Caller.WaitAsync(TimeSpan.FromSeconds(150));
        callerResult.AllCallsSucceeded.ShouldBeTrue(callerResult.ToString());

        var cdr = await run.CdrAsync(second, c => c.EndedAt is not null);
        cdr.Disposition.ShouldBe(CdrDispositions.Answered);
        cdr.EndedBy.ShouldBe("callee");
        cdr.CalleeCallId.ShouldBe(alias);
        (await run.EventsAsync(second, cdr.Id)).OfType<CallEnded>().ShouldHaveSingleItem().Reason.ShouldBe("BYE");
        await run.CountersAreZeroAsync(second);
        await Eventually.Until(() => Task.FromResult(second.Services.GetRequiredService<SipService>().Server.CallIdAliasCount), n => n == 0, 40_000);
        await second.StopAsync();
    }

    [Fact]
    public async Task A_recovered_call_whose_carrier_is_gone_is_ended_by_the_pings_of_the_new_controller()
    {
        // Pings every second, one failure is enough, T1 100 ms: "no answer" (Timer F) takes 6.4 s.
        await using var run = await Run.StartAsync(s => s with
        {
            DialogPingInterval = TimeSpan.FromSeconds(1), DialogPingFailures = 1, SipT1 = TimeSpan.FromMilliseconds(100),
        });
        var alias = (await run.Carrier.Invite).CallId;
        await using var second = await run.RestartAsync();
        // The new controller pings the recovered dialog, and the carrier answers: the call stays up.
        await Eventually.Until(() => Task.FromResult(run.Carrier.OptionsAnswered), n => n >= 2, 40_000);
        (await run.CdrAsync(second, _ => true)).EndedAt.ShouldBeNull();

        // The carrier vanishes: the pings end the call, with a BYE to the PBX (its scenario waits for one).
        await run.Carrier.DisposeAsync();
        var callerResult = await run.Caller.WaitAsync(TimeSpan.FromSeconds(150));
        callerResult.AllCallsSucceeded.ShouldBeTrue(callerResult.ToString());

        var cdr = await run.CdrAsync(second, c => c.EndedAt is not null);
        cdr.EndedBy.ShouldBe("system");
        cdr.CalleeCallId.ShouldBe(alias);
        var ended = (await run.EventsAsync(second, cdr.Id)).OfType<CallEnded>().ShouldHaveSingleItem();
        ended.Reason.ShouldStartWith("dialog dead: callee did not answer OPTIONS");
        await run.CountersAreZeroAsync(second);
        await second.StopAsync();
    }

    [Fact]
    public async Task A_recovered_call_whose_carrier_forgot_it_during_the_outage_is_ended_by_the_first_ping_as_an_end_not_seen()
    {
        await using var run = await Run.StartAsync(s => s with
        {
            DialogPingInterval = TimeSpan.FromSeconds(1), DialogPingFailures = 1, SipT1 = TimeSpan.FromMilliseconds(100),
        });
        run.Carrier.Forget(); // while no controller runs
        await using var second = await run.RestartAsync();
        var callerResult = await run.Caller.WaitAsync(TimeSpan.FromSeconds(150));
        callerResult.AllCallsSucceeded.ShouldBeTrue(callerResult.ToString()); // the PBX got its BYE

        var cdr = await run.CdrAsync(second, c => c.EndedAt is not null);
        cdr.EndedBy.ShouldBe("system");
        // Its end may have been at any time of the outage: not taken as "now" (no grant here: not charged).
        cdr.Reason!.ShouldStartWith("dialog dead: callee answered OPTIONS with 481");
        cdr.Reason.ShouldContain("end never seen and no grant: talk unknown, not charged");
        (await run.EventsAsync(second, cdr.Id)).OfType<CallEnded>().ShouldHaveSingleItem();
        await run.CountersAreZeroAsync(second);
        await second.StopAsync();
    }

    [Fact]
    public async Task A_card_call_up_across_a_restart_keeps_its_in_use_slot_and_is_charged_to_the_card_once()
    {
        const string pin = "73737373";
        var dial = $"+318002273*{pin}*+442071234567";
        await using var run = await Run.StartAsync(s => s with { SipT1 = TimeSpan.FromMilliseconds(100) }, dial, async app =>
        {
            var admin = app.Services.GetRequiredService<BillingAdmin>();
            var import = await admin.ImportTariffsAsync(BillingStartup.DemoTariffFolder, new TariffImportOptions("EUR"), BillingStartup.DemoTariffsEffectiveFrom);
            if (!import.IsValid) throw new InvalidOperationException(string.Join("; ", import.Errors));
            // acme (the caller's tenant) has money too: were it asked to pay for the card call, it would be charged.
            await admin.OpenAccountAsync("acme", AccountKind.Prepaid, "EUR", null, 1.00m);
            var year = NodaTime.SystemClock.Instance.GetCurrentInstant().Plus(NodaTime.Duration.FromDays(365));
            await app.Services.GetRequiredService<CardAdmin>().IssueAsync("card-restart", pin, year, 1, 1.00m);
            await app.Services.GetRequiredService<LiveBilling>().RefreshAsync();
        });
        await using var second = await run.RestartAsync();
        var cdr = await run.CdrAsync(second, c => c.AnsweredAt is not null);
        cdr.CardId.ShouldBe("card-restart");

        // Taken back: the card guard settles it at its end, and its hold still counts as the card's one simultaneous use.
        second.Services.GetRequiredService<CardGuard>().Guarded.ShouldBe(1);
        var live = second.Services.GetRequiredService<LiveBilling>();
        live.Account("card-restart")!.Reservations.Keys.Select(k => k.Value).ShouldBe([cdr.Id]);
        var busyPort = FreePort.Udp(Acme);
        await using (var busy = Sipp.StartClient("uac-expect-error.xml", Acme, busyPort, run.SipEndpoint, dial,
                         replace: new Dictionary<string, string> { ["EXPECTED_STATUS"] = "486" }))
        {
            var refused = await busy.WaitAsync();
            refused.AllCallsSucceeded.ShouldBeTrue(refused.ToString());
        }

        // The carrier hangs up: one charge to the card for answer → BYE, nothing to acme, the slot is free again.
        (await run.Carrier.HangUpAsync(TimeSpan.FromSeconds(30))).StatusCode.ShouldBe(200);
        var callerResult = await run.Caller.WaitAsync(TimeSpan.FromSeconds(150));
        callerResult.AllCallsSucceeded.ShouldBeTrue(callerResult.ToString());
        cdr = await run.CdrAsync(second, c => c.EndedAt is not null);
        cdr.EndedBy.ShouldBe("callee");
        var log = second.Services.GetRequiredService<BillingLog>();
        var cardEvents = await Eventually.Until(() => log.AccountStreamAsync("card-restart"), e => e.OfType<CallCharged>().Any(), 40_000);
        var charged = cardEvents.OfType<CallCharged>().ShouldHaveSingleItem();
        charged.Call.Value.ShouldBe(cdr.Id);
        charged.Amount.ShouldBeGreaterThan(0m);
        cardEvents.OfType<ReservationReleased>().ShouldHaveSingleItem().Call.Value.ShouldBe(cdr.Id);
        (await log.AccountStreamAsync("acme")).OfType<CallCharged>().ShouldBeEmpty();
        var events = await run.EventsAsync(second, cdr.Id);
        events.OfType<CallEnded>().ShouldHaveSingleItem();
        System.Text.Json.JsonSerializer.Serialize(events).ShouldNotContain(pin); // the dialog state names the dialled string masked
        events.OfType<CallRated>().ShouldHaveSingleItem().AccountId.ShouldBe("card-restart");
        var state = await log.LoadAsync();
        state.Accounts["card-restart"].Balance.ShouldBe(1.00m - charged.Amount);
        state.Accounts["card-restart"].Reservations.ShouldBeEmpty();
        live.Account("card-restart")!.Reservations.ShouldBeEmpty();
        second.Services.GetRequiredService<CardGuard>().Guarded.ShouldBe(0);
        await run.CountersAreZeroAsync(second);
        await second.StopAsync();
    }

    [Fact]
    public async Task A_call_answered_before_dialog_state_was_recorded_is_recovered_without_it_and_ended_by_its_bye_as_an_unknown_dialog()
    {
        var settings = new ControllerSettings
        {
            ConnectionString = TestDatabase.ConnectionString,
            Schema = TestDatabase.NewSchema("legacydialog"),
            SipAddress = IPAddress.Loopback,
            SipPort = FreePort.Udp(IPAddress.Loopback),
            HttpUrl = $"http://127.0.0.1:{FreePort.Tcp(IPAddress.Loopback)}",
        };
        int acmePort = FreePort.Udp(Acme), globexPort = FreePort.Udp(RoutingFixture.Globex);
        var first = await RestartTests.StartAsync(settings, acmePort, globexPort);
        // An answered call as an older controller recorded it: CallAnswered without its dialog.
        var callId = $"legacy-{Guid.NewGuid():N}@127.0.0.11";
        var key = CallStreams.Key(callId, "legacy-tag");
        var at = NodaTime.SystemClock.Instance.GetCurrentInstant();
        await using (var session = first.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            session.Events.Append(key,
                new CallReceived(key, callId, "legacy-tag", $"udp:{Acme}:{acmePort}", "acme-hq", null, "acme", "100", "+31205550200",
                    $"sip:+31205550200@127.0.0.1:{settings.SipPort}", at),
                new CallRouted(key, "+31205550200", "pbx", "globex-main", "globex", "sip:+31205550200@127.0.0.12", $"udp:127.0.0.12:{globexPort}",
                    "DID", [], at),
                new CallAnswered(key, 0, at));
            await session.SaveChangesAsync();
        }
        await first.StopAsync();
        await first.DisposeAsync();

        await using var second = await RestartTests.StartAsync(settings, acmePort, globexPort);
        var open = second.Services.GetRequiredService<ActiveCalls>().Find(key).ShouldNotBeNull();
        open.Recovered.ShouldBeTrue();
        open.DialogRestored.ShouldBeFalse();
        second.Services.GetRequiredService<SipService>().Server.ActiveCallCount.ShouldBe(0);

        // Its BYE, routed through the controller, is forwarded by its Route and ends the call it matches.
        using var peer = new System.Net.Sockets.UdpClient(new IPEndPoint(RoutingFixture.Globex, FreePort.Udp(RoutingFixture.Globex)));
        using var pbx = new System.Net.Sockets.UdpClient(new IPEndPoint(Acme, FreePort.Udp(Acme)));
        var local = (IPEndPoint)pbx.Client.LocalEndPoint!;
        var bye = SipMessageBuilder.Request("BYE", $"sip:globex@{peer.Client.LocalEndPoint}")
            .Add(SipHeaderId.Via, $"SIP/2.0/UDP {local};branch=z9hG4bK-legacy-{Guid.NewGuid():N};rport")
            .Add(SipHeaderId.MaxForwards, "70")
            .Add(SipHeaderId.Route, $"<sip:127.0.0.1:{settings.SipPort};lr>")
            .Add(SipHeaderId.From, "<sip:100@127.0.0.11>;tag=legacy-tag")
            .Add(SipHeaderId.To, "<sip:+31205550200@127.0.0.12>;tag=callee-tag")
            .Add(SipHeaderId.CallId, callId)
            .Add(SipHeaderId.CSeq, "2 BYE")
            .ToArray();
        await pbx.SendAsync(bye, new IPEndPoint(IPAddress.Loopback, settings.SipPort));
        var forwarded = await peer.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(30));
        System.Text.Encoding.UTF8.GetString(forwarded.Buffer).ShouldStartWith("BYE ");

        var store = second.Services.GetRequiredService<IDocumentStore>();
        var cdr = await Eventually.Until(async () =>
        {
            await using var s = store.QuerySession();
            return await s.LoadAsync<Cdr>(key);
        }, c => c?.EndedAt is not null, 40_000);
        cdr!.EndedBy.ShouldBe("unknown");
        await using var query = store.QuerySession();
        (await query.Events.FetchStreamAsync(key)).Count(e => e.Data is CallEnded).ShouldBe(1);
        await second.StopAsync();
    }

    /// <summary>First controller (demo provisioning, gateways on their own addresses), the carrier, and a call from acme-hq
    /// that neither party ends; the controller goes away once the PBX has its 200 and the carrier its ACK.</summary>
    private sealed class Run : IAsyncDisposable
    {
        private readonly ControllerSettings _settings;
        private readonly int _acmePort, _gwAPort, _gwBPort, _callerPort;

        public Sipp Caller { get; }
        public ScriptedCarrier Carrier { get; }
        public IPEndPoint SipEndpoint => new(IPAddress.Loopback, _settings.SipPort);

        private Run(ControllerSettings settings, int acmePort, int gwAPort, int gwBPort, int callerPort, ScriptedCarrier carrier, Sipp caller)
        {
            _settings = settings;
            _acmePort = acmePort;
            _gwAPort = gwAPort;
            _gwBPort = gwBPort;
            _callerPort = callerPort;
            Carrier = carrier;
            Caller = caller;
        }

        public static async Task<Run> StartAsync(Func<ControllerSettings, ControllerSettings> configure, string number = UkNumber,
            Func<WebApplication, Task>? setUp = null)
        {
            var settings = configure(new ControllerSettings
            {
                ConnectionString = TestDatabase.ConnectionString,
                Schema = TestDatabase.NewSchema("recdialog"),
                SipAddress = IPAddress.Loopback,
                SipPort = FreePort.Udp(IPAddress.Loopback),
                HttpUrl = $"http://127.0.0.1:{FreePort.Tcp(IPAddress.Loopback)}",
            });
            var acmePort = FreePort.Udp(Acme);
            var gwAPort = FreePort.Udp(RoutingFixture.GwA);
            var gwBPort = FreePort.Udp(GwB);
            var first = await StartControllerAsync(settings, acmePort, gwAPort, gwBPort);
            if (setUp is not null) await setUp(first);
            var carrier = new ScriptedCarrier(new IPEndPoint(GwB, gwBPort));
            var callerPort = FreePort.Udp(Acme);
            // Neither party hangs up on its own; the PBX waits up to 90 s for the BYE (the restart is in between).
            var caller = Sipp.StartClient("uac-call-until-bye.xml", Acme, callerPort, new IPEndPoint(IPAddress.Loopback, settings.SipPort), number,
                replace: new Dictionary<string, string> { ["timeout=\"20000\""] = "timeout=\"90000\"" }, runTimeout: TimeSpan.FromSeconds(120), extra: ["-aa"]);
            var run = new Run(settings, acmePort, gwAPort, gwBPort, callerPort, carrier, caller);
            var cdr = await run.CdrAsync(first, c => c.AnsweredAt is not null);
            cdr.TargetId.ShouldBe("gw-b");
            await carrier.Acked.WaitAsync(TimeSpan.FromSeconds(30)); // the PBX has its 200 (it sent the ACK the carrier got)
            await first.StopAsync();
            await first.DisposeAsync();
            return run;
        }

        public Task<WebApplication> RestartAsync() => StartControllerAsync(_settings, _acmePort, _gwAPort, _gwBPort);

        private static async Task<WebApplication> StartControllerAsync(ControllerSettings settings, int acmePort, int gwAPort, int gwBPort)
        {
            var app = ControllerHost.Build(settings);
            await app.StartAsync();
            var demo = ProvisioningJson.Demo();
            var doc = demo with
            {
                Tenants = demo.Tenants.Select(t => t with
                {
                    Pbxs = t.Pbxs.Select(p => p.Id == "acme-hq" ? p with { Port = acmePort } : p).ToList(),
                }).ToList(),
                Gateways = demo.Gateways.Select(g => g with
                {
                    Port = g.Id == "gw-a" ? gwAPort : gwBPort,
                    Probe = new ProbeSpec { IntervalSeconds = 3600, FailureThreshold = 3 },
                }).ToList(),
            };
            var outcome = await app.Services.GetRequiredService<ProvisioningService>().ApplyAsync(doc);
            if (!outcome.IsValid) throw new InvalidOperationException(string.Join("; ", outcome.Errors));
            await app.Services.GetRequiredService<LiveRoutingTable>().RefreshAsync();
            return app;
        }

        public async Task<Cdr> CdrAsync(WebApplication app, Func<Cdr, bool> done)
        {
            var store = app.Services.GetRequiredService<IDocumentStore>();
            var source = $"udp:{Acme}:{_callerPort}";
            return await Eventually.Until(async () =>
            {
                await using var s = store.QuerySession();
                return (await s.Query<Cdr>().Where(c => c.Source == source).ToListAsync()).SingleOrDefault();
            }, c => c is not null && done(c), timeoutMs: 60_000) ?? throw new InvalidOperationException("no CDR");
        }

        public async Task<IReadOnlyList<object>> EventsAsync(WebApplication app, string callKey)
        {
            await using var session = app.Services.GetRequiredService<IDocumentStore>().QuerySession();
            return (await session.Events.FetchStreamAsync(callKey)).Select(e => e.Data).ToList();
        }

        /// <summary>Nothing of the call is counted any more: open calls, live limits.</summary>
        public async Task CountersAreZeroAsync(WebApplication app)
        {
            var calls = app.Services.GetRequiredService<ActiveCalls>();
            var limits = app.Services.GetRequiredService<LiveLimits>();
            await Eventually.Until(() => Task.FromResult((calls.Count, limits.Current().OpenDialogCount)), c => c == (0, 0), 40_000);
        }

        public async ValueTask DisposeAsync()
        {
            await Caller.DisposeAsync();
            await Carrier.DisposeAsync();
        }
    }
}
