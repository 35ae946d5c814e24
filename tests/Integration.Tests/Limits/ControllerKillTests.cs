using System.Net;
using System.Net.Http.Json;
using CallControl.Calls;
using CallControl.Host.Cli;
using CallControl.Host.Limits;
using CallControl.Host.Provisioning;
using CallControl.Projections;
using CallControl.Projections.Cdrs;
using CallControl.Provisioning;
using CallControl.Tests.Infrastructure;
using Marten;
using Shouldly;
using static CallControl.Tests.Limits.LimitsController;

namespace CallControl.Tests.Limits;

/// <summary>
/// Issue 5: "kill the controller (SIGKILL) with calls up, restart, and the counts match the calls still alive". The
/// real <c>callcontrol serve</c> runs as a separate process; sipp PBXs place calls; the process is killed with -9 and
/// a new one started on the same event store and ports.
/// </summary>
public sealed class ControllerKillTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan SippRun = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task After_SIGKILL_a_new_process_counts_the_calls_still_alive_and_they_end_by_BYE_or_by_the_operator()
    {
        var schema = TestDatabase.NewSchema("kill");
        int sipPort = FreePort.Udp(IPAddress.Loopback), globexPort = FreePort.Udp(Globex);
        var httpUrl = $"http://127.0.0.1:{FreePort.Tcp(IPAddress.Loopback)}";
        using var http = new HttpClient { BaseAddress = new Uri(httpUrl), Timeout = TimeSpan.FromSeconds(30) };
        using var store = DocumentStore.For(o => EventStoreConfiguration.Configure(o, TestDatabase.ConnectionString, schema));
        var sip = new IPEndPoint(IPAddress.Loopback, sipPort);
        var hold = new Dictionary<string, string> { ["HOLD_MS"] = "45000" };

        // globex-main answers every call and waits for its BYE: 3 held across the kill, 1 whose caller dies too, 2 short.
        await using var callee = await Sipp.StartServerAsync("uas-answer.xml", Globex, globexPort, calls: 6, runTimeout: SippRun);
        int heldPort = FreePort.Udp(Acme), stalePort = FreePort.Udp(Acme), shortPort = FreePort.Udp(Acme);
        Sipp held, stale;
        await using (var first = await ControllerProcess.StartAsync(schema, sipPort, httpUrl))
        {
            var document = Document(new Dictionary<string, int> { ["globex-main"] = globexPort },
                new Dictionary<string, LimitsSpec> { ["acme-hq"] = new() { MaxCalls = 10 } });
            using (var put = await http.PutAsJsonAsync("/api/provisioning", document, ProvisioningJson.Options))
                put.IsSuccessStatusCode.ShouldBeTrue(await put.Content.ReadAsStringAsync());

            held = Sipp.StartClient("limits-uac-hold.xml", Acme, heldPort, sip, GlobexDid, calls: 3, replace: hold, runTimeout: SippRun);
            stale = Sipp.StartClient("limits-uac-hold.xml", Acme, stalePort, sip, GlobexDid, calls: 1, replace: hold, runTimeout: SippRun);
            await using (var brief = Sipp.StartClient("limits-uac-hold.xml", Acme, shortPort, sip, GlobexDid, calls: 2,
                             replace: new Dictionary<string, string> { ["HOLD_MS"] = "200" }))
            {
                var r = await brief.WaitAsync();
                r.AllCallsSucceeded.ShouldBeTrue(r.ToString());
            }
            await Await.UntilAsync(() => CdrsAsync(store), c => c.Count(x => x.AnsweredAt is not null && x.EndedAt is null) == 4
                && c.Count(x => x.EndedAt is not null) == 2, Patience, "4 answered calls up and 2 ended");
            (await LiveAsync(http)).OpenCalls.ShouldBe(4);

            await first.KillAsync(); // kill -9, with 4 calls up
            first.HasExited.ShouldBeTrue();
        }
        await stale.DisposeAsync(); // this caller dies as well: its BYE never comes

        await using var second = await ControllerProcess.StartAsync(schema, sipPort, httpUrl);
        var view = await LiveAsync(http);
        view.OpenCalls.ShouldBe(4, second.Output);
        view.Pbxs.Single(p => p.Id == "acme-hq").ShouldSatisfyAllConditions(p => p.Calls.ShouldBe(4), p => p.Kbps.ShouldBe(4 * 80));
        view.Pbxs.Single(p => p.Id == "globex-main").Calls.ShouldBe(4);
        view.Tenants.Single(t => t.Id == "acme").Calls.ShouldBe(4);

        // The held calls end by their BYE, through the new process (their dialogs restored from CallAnswered).
        var result = await held.WaitAsync(SippRun);
        result.AllCallsSucceeded.ShouldBeTrue(result.ToString());
        await held.DisposeAsync();
        await Await.UntilAsync(() => LiveAsync(http), v => v.OpenCalls == 1, Patience, "only the dead caller's call left");

        // The operator closes what the dead caller left: a running call cannot be named, a bad instant is exit 2.
        (await ControllerProcess.RunCliAsync("calls", "close", "--http", httpUrl, "--stale-before", "yesterday")).ExitCode.ShouldBe(2);
        (await ControllerProcess.RunCliAsync("calls", "close", "--http", httpUrl)).ExitCode.ShouldBe(2);
        var (code, output) = await ControllerProcess.RunCliAsync("calls", "close", "--http", httpUrl,
            "--stale-before", NodaTime.SystemClock.Instance.GetCurrentInstant().ToString(), "--reason", "caller PBX died with the controller", "--by", "test");
        code.ShouldBe(0, output);
        output.ShouldContain("1 calls closed");

        view = await LiveAsync(http);
        view.OpenCalls.ShouldBe(0);
        view.Pbxs.ShouldAllBe(p => p.Calls == 0 && p.Kbps == 0);
        var cdrs = await CdrsAsync(store);
        cdrs.Count.ShouldBe(6);
        cdrs.ShouldAllBe(c => c.EndedAt != null && c.Disposition == CdrDispositions.Answered);
        var closed = cdrs.Single(c => c.Source == $"udp:{Acme}:{stalePort}");
        closed.EndedBy.ShouldBe("operator");
        // Nobody saw it end: not billed up to the close (the controller was down meanwhile), the reason says so.
        closed.Reason.ShouldStartWith("closed by test: caller PBX died with the controller; end never seen");
        cdrs.Where(c => c.Source == $"udp:{Acme}:{heldPort}").ShouldAllBe(c => c.EndedBy == "caller"); // dialogs restored from CallAnswered
        await using var session = store.QuerySession();
        foreach (var cdr in cdrs)
            (await session.Events.FetchStreamAsync(cdr.Id)).Count(e => e.Data is CallEnded).ShouldBe(1, cdr.Id);
    }

    private static async Task<LimitsView> LiveAsync(HttpClient http) =>
        (await http.GetFromJsonAsync<LimitsView>("/api/limits", LimitsCommand.Json))!;

    private static async Task<IReadOnlyList<Cdr>> CdrsAsync(IDocumentStore store)
    {
        await using var session = store.QuerySession();
        return await session.Query<Cdr>().ToListAsync();
    }
}
