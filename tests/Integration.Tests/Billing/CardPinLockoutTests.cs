using System.Net.Http.Json;
using System.Text.Json;
using CallControl.Billing.Cards;
using CallControl.Host.Cli;
using CallControl.Projections.Cdrs;
using CallControl.Tests.Infrastructure;
using CallControl.Tests.Routing;
using Marten;
using Shouldly;
using Spectre.Console.Cli;

namespace CallControl.Tests.Billing;

/// <summary>
/// Wrong PINs with real sipp PBXs and the default rules (5 wrong PINs per caller in 10 min lock it for 30 min): globex-main's
/// caller 666 guesses until locked; then its right PIN is refused with the lock's reason, while caller 100 of the same PBX
/// still gets through; an operator lifts the lock with the CLI, and 666's call goes through.
/// </summary>
public sealed class CardPinLockoutTests(CardControllerFixture fixture) : IClassFixture<CardControllerFixture>
{
    private const string Destination = "+31205550100";
    private const string Guesser = "pbx:globex-main/666";
    private static readonly TimeSpan SippDeadline = TimeSpan.FromSeconds(60);
    private ControllerFixture Controller => fixture.Controller;

    private static string Dial(string pin) => $"{CardControllerFixture.Access}*{pin}*{Destination}";

    private static Dictionary<string, string> From(string user, Dictionary<string, string>? more = null)
    {
        var replace = new Dictionary<string, string> { ["sip:100@"] = $"sip:{user}@" };
        foreach (var (k, v) in more ?? []) replace[k] = v;
        return replace;
    }

    private async Task<List<Cdr>> CdrsFromAsync(int port, int count, Func<Cdr, bool> done) =>
        await Eventually.Until(async () =>
        {
            await using var session = Controller.Store.QuerySession();
            var source = $"udp:{ControllerFixture.GlobexAddress}:{port}";
            return (await session.Query<Cdr>().Where(c => c.Source == source).ToListAsync()).ToList();
        }, c => c.Count == count && c.All(done), timeoutMs: 30_000);

    private async Task<Cdr> RefusedAsync(string fromUser, string pin, int calls = 1)
    {
        var port = FreePort.Udp(ControllerFixture.GlobexAddress);
        await using var caller = Sipp.StartClient("uac-expect-error.xml", ControllerFixture.GlobexAddress, port, Controller.SipEndpoint, Dial(pin),
            calls: calls, replace: From(fromUser, new() { ["EXPECTED_STATUS"] = "403" }), runTimeout: SippDeadline,
            extra: ["-l", "1"]); // one call at a time: globex-main's link takes 2 calls, and a third would get 503 before the card guard
        var result = await caller.WaitAsync(SippDeadline);
        result.AllCallsSucceeded.ShouldBeTrue(result.ToString());
        var cdrs = await CdrsFromAsync(port, calls, c => c.Disposition == CdrDispositions.Rejected);
        cdrs.ShouldAllBe(c => c.StatusCode == 403);
        return cdrs.OrderBy(c => c.ReceivedAt).Last();
    }

    private async Task<Cdr> AnsweredAsync(string fromUser, string pin)
    {
        await using var callee = await Sipp.StartServerAsync("uas-answer.xml", ControllerFixture.AcmeAddress, Controller.AcmePort, runTimeout: SippDeadline);
        var port = FreePort.Udp(ControllerFixture.GlobexAddress);
        await using var caller = Sipp.StartClient("uac-call.xml", ControllerFixture.GlobexAddress, port, Controller.SipEndpoint, Dial(pin),
            replace: From(fromUser), runTimeout: SippDeadline);
        var result = await caller.WaitAsync(SippDeadline);
        result.AllCallsSucceeded.ShouldBeTrue(result.ToString());
        (await callee.WaitAsync(SippDeadline)).AllCallsSucceeded.ShouldBeTrue();
        return (await CdrsFromAsync(port, 1, c => c.Disposition == CdrDispositions.Answered)).Single();
    }

    private async Task<List<object>> SourceStreamAsync(string source)
    {
        await using var session = Controller.Store.QuerySession();
        return (await session.Events.FetchStreamAsync(PinLockout.Stream(source))).Select(e => e.Data).ToList();
    }

    private async Task<int> CliAsync(params string[] args)
    {
        var app = new CommandApp();
        app.Configure(CardCommands.Register);
        var rc = await app.RunAsync([.. args, "--http", Controller.HttpUrl]);
        return rc == -1 ? 2 : rc;
    }

    [Fact]
    public async Task Wrong_pins_lock_the_caller_whose_right_pin_is_then_refused_while_another_caller_gets_through_until_an_operator_unlocks()
    {
        const string wrongPin = "90909090";
        // Five wrong PINs from caller 666, one after the other: the fifth locks (parallel attempts: PinLockoutTests).
        (await RefusedAsync("666", wrongPin, calls: 5)).Reason!.ShouldBe($"calling card refused: unknown PIN (access number {CardControllerFixture.Access})");
        var events = await Eventually.Until(() => SourceStreamAsync(Guesser), e => e.OfType<CardSourceLocked>().Any(), timeoutMs: 30_000);
        events.OfType<CardPinRejected>().Select(e => e.FailuresInWindow).Order().ShouldBe([1, 2, 3, 4, 5]);
        var locked = events.OfType<CardSourceLocked>().ShouldHaveSingleItem();
        locked.Reason.ShouldBe("too many wrong PINs (caller): 5 in 10 min; card calls refused for 30 min");
        JsonSerializer.Serialize(events.ToArray()).ShouldNotContain(wrongPin);
        // The trunk counted them too, without reaching its 20.
        (await SourceStreamAsync("pbx:globex-main")).OfType<CardSourceLocked>().ShouldBeEmpty();

        // The right PIN from the locked caller: refused without looking at it, with the lock's reason.
        var refused = await RefusedAsync("666", CardControllerFixture.ChargedPin);
        refused.Reason!.ShouldBe($"calling card refused: too many wrong PINs; locked until {locked.Until} (source {Guesser})");
        refused.CardId.ShouldBeNull();

        // Another caller of the same PBX is not locked.
        (await AnsweredAsync("100", CardControllerFixture.ChargedPin)).CardId.ShouldBe("card-charged");

        // Operators see the lock, and lift it (CLI through the running controller's HTTP API).
        using (var http = new HttpClient { BaseAddress = new Uri(Controller.HttpUrl) })
        {
            var locks = await http.GetFromJsonAsync<JsonElement>("/api/card-locks");
            var source = locks.GetProperty("sources").EnumerateArray().Single(s => s.GetProperty("source").GetString() == Guesser);
            source.GetProperty("locked").GetBoolean().ShouldBeTrue();
            (await http.PostAsJsonAsync("/api/card-locks/unlock", new { source = Guesser })).StatusCode.ShouldBe(System.Net.HttpStatusCode.BadRequest);
        }
        (await CliAsync("cards", "locks")).ShouldBe(0);
        (await CliAsync("cards", "unlock-source", Guesser, "--reason", "customer called support", "--by", "alice")).ShouldBe(0);
        (await CliAsync("cards", "unlock-source", Guesser, "--reason", "again")).ShouldBe(2); // not locked any more

        var unlocked = (await SourceStreamAsync(Guesser)).OfType<CardSourceUnlocked>().ShouldHaveSingleItem();
        unlocked.By.ShouldBe("alice");
        unlocked.Reason.ShouldStartWith("lifted by alice: customer called support (was locked until ");

        (await AnsweredAsync("666", CardControllerFixture.ChargedPin)).CardId.ShouldBe("card-charged");
    }
}
