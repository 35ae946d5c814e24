using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CallControl.Tests.Infrastructure;
using Shouldly;
using static CallControl.Tests.Limits.LimitsController;

namespace CallControl.Tests.Limits;

/// <summary><c>POST /api/calls/close</c> against calls this controller carries live, and bad input. (Closing recovered
/// calls after a SIGKILL is in <see cref="ControllerKillTests"/>.)</summary>
public sealed class StaleCallsCloseTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_call_the_controller_carries_live_is_not_closed_and_bad_requests_get_400()
    {
        await using var controller = await StartAsync();
        int globexPort = FreePort.Udp(Globex);
        await controller.ProvisionAsync(Document(new Dictionary<string, int> { ["globex-main"] = globexPort }));
        await using var callee = await Sipp.StartServerAsync("uas-answer.xml", Globex, globexPort);
        int port = FreePort.Udp(Acme);
        await using var caller = Sipp.StartClient("uac-call-hold.xml", Acme, port, controller.SipEndpoint, GlobexDid,
            replace: new Dictionary<string, string> { ["HOLD_MS"] = "10000" });
        var cdr = await Await.UntilAsync(async () => (await controller.CdrsFromAsync(Acme, port)).SingleOrDefault(),
            c => c?.AnsweredAt is not null, Patience, "the call answered") ?? throw new InvalidOperationException();
        using var http = new HttpClient { BaseAddress = new Uri(controller.HttpUrl) };

        using (var live = await http.PostAsJsonAsync("/api/calls/close", new { call = cdr.CallId, reason = "test" }))
        {
            live.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            var body = JsonDocument.Parse(await live.Content.ReadAsStringAsync()).RootElement;
            body.GetProperty("closed").GetArrayLength().ShouldBe(0);
            var notClosed = body.GetProperty("notClosed")[0];
            notClosed.GetProperty("call").GetString().ShouldBe(cdr.Id);
            notClosed.GetProperty("why").GetString()!.ShouldContain("carried live");
        }
        // --stale-before never picks a live call.
        using (var stale = await http.PostAsJsonAsync("/api/calls/close", new { staleBefore = "2100-01-01T00:00:00Z" }))
        {
            stale.StatusCode.ShouldBe(HttpStatusCode.OK);
            JsonDocument.Parse(await stale.Content.ReadAsStringAsync()).RootElement.GetProperty("closed").GetArrayLength().ShouldBe(0);
        }
        controller.Registry.OpenDialogCount.ShouldBe(1);

        using (var bad = await http.PostAsJsonAsync("/api/calls/close", new { staleBefore = "yesterday" }))
        {
            bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await bad.Content.ReadAsStringAsync()).ShouldContain("staleBefore");
        }
        using (var empty = await http.PostAsJsonAsync("/api/calls/close", new { reason = "nothing named" }))
            empty.StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var result = await caller.WaitAsync();
        result.AllCallsSucceeded.ShouldBeTrue(result.ToString());
        var ended = await Await.UntilAsync(async () => (await controller.CdrsFromAsync(Acme, port)).Single(), c => c.EndedAt is not null, Patience, "the call ended by its BYE");
        ended.EndedBy.ShouldBe("caller");
    }
}
