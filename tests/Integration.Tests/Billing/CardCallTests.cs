using System.Text.Json;
using CallControl.Billing.Accounts;
using CallControl.Billing.Cards;
using CallControl.Billing.Csv;
using CallControl.Host.Billing;
using CallControl.Projections.Billing;
using CallControl.Projections.Cdrs;
using CallControl.Tests.Infrastructure;
using CallControl.Tests.Routing;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Shouldly;

namespace CallControl.Tests.Billing;

/// <summary>
/// A controller with the demo provisioning (access number +318002273) and cards issued through <see cref="CardAdmin"/>.
/// globex (the calling PBX's tenant) is prepaid with nothing: were it asked to pay for a card call, the call would get 402.
/// </summary>
public sealed class CardControllerFixture : IAsyncLifetime
{
    public const string Access = "+318002273";
    public const string ChargedPin = "11112222", BusyPin = "22223333", ExpiredPin = "33334444", BlockedPin = "44445555", LowPin = "55556666";
    public const decimal LowBalance = 0.001m; // 3 s to +31 at 0.02 EUR/min, per second

    public ControllerFixture Controller { get; } = new();
    public CardAdmin Cards => Controller.App.Services.GetRequiredService<CardAdmin>();
    public BillingLog Log => Controller.App.Services.GetRequiredService<BillingLog>();

    public async Task InitializeAsync()
    {
        await Controller.InitializeAsync();
        var services = Controller.App.Services;
        var admin = services.GetRequiredService<BillingAdmin>();
        var import = await admin.ImportTariffsAsync(BillingStartup.DemoTariffFolder, new TariffImportOptions("EUR"), BillingStartup.DemoTariffsEffectiveFrom);
        if (!import.IsValid) throw new InvalidOperationException(string.Join("; ", import.Errors));
        await admin.OpenAccountAsync("globex", AccountKind.Prepaid, "EUR", null, 0m);

        var year = SystemClock.Instance.GetCurrentInstant().Plus(Duration.FromDays(365));
        await Cards.IssueAsync("card-charged", ChargedPin, year, 1, 1.00m);
        await Cards.IssueAsync("card-busy", BusyPin, year, 1, 1.00m);
        await Cards.IssueAsync("card-blocked", BlockedPin, year, 1, 1.00m);
        await Cards.BlockAsync("card-blocked", "reported stolen");
        await Cards.IssueAsync("card-low", LowPin, year, 1, LowBalance);
        // An expired card: issued a year ago for a day (the decider will not issue a card that is expired already).
        var past = SystemClock.Instance.GetCurrentInstant().Minus(Duration.FromDays(365));
        var expired = CallingCards.Issue(null, new IssueCard("card-expired", ExpiredPin, "EUR", 1.00m, past.Plus(Duration.FromDays(1)), 1), _ => false, past);
        await using (var session = Controller.Store.LightweightSession())
        {
            session.Events.Append(BillingStreams.Account("card-expired"), expired.Events.ToArray());
            await session.SaveChangesAsync();
        }
        await services.GetRequiredService<LiveBilling>().RefreshAsync();
    }

    public Task DisposeAsync() => Controller.DisposeAsync();
}

/// <summary>Calling-card calls with real sipp PBXs: globex-main dials <c>+318002273*PIN*+31205550100</c> (acme-hq's DID).</summary>
public sealed class CardCallTests(CardControllerFixture fixture) : IClassFixture<CardControllerFixture>
{
    private const string Destination = "+31205550100";
    private ControllerFixture Controller => fixture.Controller;

    private static string Dial(string pin) => $"{CardControllerFixture.Access}*{pin}*{Destination}";

    private async Task<Cdr> CdrFromAsync(int port, Func<Cdr, bool>? done = null) =>
        await Eventually.Until(async () =>
        {
            await using var session = Controller.Store.QuerySession();
            var source = $"udp:{ControllerFixture.GlobexAddress}:{port}";
            return await session.Query<Cdr>().Where(c => c.Source == source).SingleOrDefaultAsync();
        }, c => c is not null && (done ?? (_ => true))(c)) ?? throw new InvalidOperationException("no CDR");

    private async Task<string> CallStreamJsonAsync(string callKey)
    {
        await using var session = Controller.Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(callKey);
        return JsonSerializer.Serialize(events.Select(e => e.Data).ToArray());
    }

    private async Task<Cdr> RefusedAsync(string pin, string expectedStatus)
    {
        var port = FreePort.Udp(ControllerFixture.GlobexAddress);
        await using var caller = Sipp.StartClient("uac-expect-error.xml", ControllerFixture.GlobexAddress, port, Controller.SipEndpoint, Dial(pin),
            replace: new Dictionary<string, string> { ["EXPECTED_STATUS"] = expectedStatus });
        var result = await caller.WaitAsync();
        result.AllCallsSucceeded.ShouldBeTrue(result.ToString());
        var cdr = await CdrFromAsync(port);
        cdr.Disposition.ShouldBe(CdrDispositions.Rejected);
        cdr.StatusCode.ShouldBe(int.Parse(expectedStatus));
        (await CallStreamJsonAsync(cdr.Id)).ShouldNotContain(pin);
        cdr.Dialled.ShouldBe($"{CardControllerFixture.Access}*[pin]*{Destination}");
        return cdr;
    }

    [Fact]
    public async Task A_card_call_is_charged_to_the_card_with_its_cause_and_the_pin_is_recorded_nowhere()
    {
        var before = (await fixture.Log.LoadAsync()).Accounts["card-charged"].Balance;
        // The caller's To carried the access number and the PIN: the callee must see a To naming the destination only.
        await using var callee = await Sipp.StartServerAsync("uas-answer-expect.xml", ControllerFixture.AcmeAddress, Controller.AcmePort,
            replace: RoutedCallsTests.Expect("To: <sip:[+]31205550100@127[.]0[.]0[.]11:"));
        var port = FreePort.Udp(ControllerFixture.GlobexAddress);
        await using var caller = Sipp.StartClient("uac-call.xml", ControllerFixture.GlobexAddress, port, Controller.SipEndpoint, Dial(CardControllerFixture.ChargedPin));
        var result = await caller.WaitAsync();
        result.AllCallsSucceeded.ShouldBeTrue(result.ToString());
        (await callee.WaitAsync()).AllCallsSucceeded.ShouldBeTrue();

        var cdr = await CdrFromAsync(port, c => c.Disposition == CdrDispositions.Answered);
        cdr.CardId.ShouldBe("card-charged");
        cdr.TargetId.ShouldBe("acme-hq");
        cdr.Dialled.ShouldBe($"{CardControllerFixture.Access}*[pin]*{Destination}");

        var events = await Eventually.Until(() => fixture.Log.AccountStreamAsync("card-charged"), e => e.OfType<CallCharged>().Any(c => c.Call.Value == cdr.Id));
        var charged = events.OfType<CallCharged>().Single(c => c.Call.Value == cdr.Id);
        events.OfType<CreditReserved>().ShouldContain(r => r.Call.Value == cdr.Id);
        events.OfType<ReservationReleased>().ShouldContain(r => r.Call.Value == cdr.Id);
        charged.Amount.ShouldBeGreaterThan(0m);

        var json = await CallStreamJsonAsync(cdr.Id);
        json.ShouldNotContain(CardControllerFixture.ChargedPin);
        await using (var session = Controller.Store.QuerySession())
        {
            var stream = (await session.Events.FetchStreamAsync(cdr.Id)).Select(e => e.Data).ToList();
            stream.OfType<CardCallAdmitted>().ShouldHaveSingleItem().AccessNumber.ShouldBe(CardControllerFixture.Access);
            var rated = stream.OfType<CallRated>().ShouldHaveSingleItem();
            rated.AccountId.ShouldBe("card-charged");
            rated.Total.ShouldBe(charged.Amount);
        }

        // The card paid, the caller's tenant did not; the card's history gives each change its cause.
        var state = await fixture.Log.LoadAsync();
        state.Accounts["card-charged"].Balance.ShouldBe(before - charged.Amount);
        state.Accounts["card-charged"].Reservations.ShouldBeEmpty();
        (await fixture.Log.AccountStreamAsync("globex")).OfType<CreditReserved>().ShouldBeEmpty();
        var view = (await fixture.Cards.ShowAsync("card-charged"))!;
        view.History.ShouldContain(h => h.What == "top-up" && h.Amount == 1.00m && h.Cause == "card issued");
        view.History.ShouldContain(h => h.What == "debit" && h.Amount == -charged.Amount && h.Cause.StartsWith($"call to {Destination}"));
    }

    [Fact]
    public async Task A_wrong_pin_is_refused_with_403_naming_no_card() =>
        (await RefusedAsync("99998888", "403")).Reason!.ShouldBe($"calling card refused: unknown PIN (access number {CardControllerFixture.Access})");

    [Fact]
    public async Task An_expired_card_is_refused_with_403_and_the_reason() =>
        (await RefusedAsync(CardControllerFixture.ExpiredPin, "403")).Reason!.ShouldStartWith("calling card card-expired refused: card expired");

    [Fact]
    public async Task A_blocked_card_is_refused_with_403_and_the_block_reason() =>
        (await RefusedAsync(CardControllerFixture.BlockedPin, "403")).Reason!.ShouldBe("calling card card-blocked refused: card blocked: reported stolen");

    [Fact]
    public async Task A_second_call_beyond_the_cards_simultaneous_use_is_refused_while_the_first_is_up_and_allowed_after()
    {
        var live = Controller.App.Services.GetRequiredService<LiveBilling>();
        await using var callee = await Sipp.StartServerAsync("uas-answer.xml", ControllerFixture.AcmeAddress, Controller.AcmePort);
        var firstPort = FreePort.Udp(ControllerFixture.GlobexAddress);
        await using var first = Sipp.StartClient("uac-call-hold.xml", ControllerFixture.GlobexAddress, firstPort, Controller.SipEndpoint,
            Dial(CardControllerFixture.BusyPin), replace: new Dictionary<string, string> { ["HOLD_MS"] = "10000" });
        var up = await CdrFromAsync(firstPort, c => c.Disposition == CdrDispositions.Connected);

        var refused = await RefusedAsync(CardControllerFixture.BusyPin, "486");
        refused.Reason!.ShouldContain("calling card card-busy refused: card in use: 1 calls in progress, card allows 1");
        // The refusal is meaningful only if the first call was still up when it came.
        (await CdrFromAsync(firstPort)).EndedAt.ShouldBeNull();

        (await first.WaitAsync()).AllCallsSucceeded.ShouldBeTrue();
        (await callee.WaitAsync()).AllCallsSucceeded.ShouldBeTrue();
        await CdrFromAsync(firstPort, c => c.Disposition == CdrDispositions.Answered);
        // The end released the use: the card takes calls again.
        live.Account("card-busy")!.Reservations.ShouldBeEmpty();
        (await fixture.Log.LoadAsync()).Accounts["card-busy"].Reservations.ShouldBeEmpty();
        up.CardId.ShouldBe("card-busy");
    }

    [Fact]
    public async Task A_card_with_little_credit_is_cut_off_on_both_legs_at_its_limit()
    {
        await using var callee = await Sipp.StartServerAsync("uas-answer-until-bye.xml", ControllerFixture.AcmeAddress, Controller.AcmePort);
        var port = FreePort.Udp(ControllerFixture.GlobexAddress);
        await using var caller = Sipp.StartClient("uac-call-until-bye.xml", ControllerFixture.GlobexAddress, port, Controller.SipEndpoint,
            Dial(CardControllerFixture.LowPin));

        // Neither sipp hangs up: both succeed only if the controller sends each of them a BYE.
        var callerResult = await caller.WaitAsync();
        callerResult.AllCallsSucceeded.ShouldBeTrue(callerResult.ToString());
        (await callee.WaitAsync()).AllCallsSucceeded.ShouldBeTrue();

        var cdr = await CdrFromAsync(port, c => c.Disposition == CdrDispositions.Answered);
        cdr.EndedBy.ShouldBe("system");
        cdr.CardId.ShouldBe("card-low");
        cdr.Duration.TotalSeconds.ShouldBeInRange(2.5, 5.0);
        var events = await Eventually.Until(() => fixture.Log.AccountStreamAsync("card-low"), e => e.OfType<CallCharged>().Any(c => c.Call.Value == cdr.Id));
        var charged = events.OfType<CallCharged>().Single(c => c.Call.Value == cdr.Id);
        // Never more than one increment (1 s = 0.000333 EUR) beyond the balance.
        charged.Amount.ShouldBeLessThanOrEqualTo(CardControllerFixture.LowBalance + 0.0004m);
        events.OfType<CreditReserved>().Single(r => r.Call.Value == cdr.Id).Granted.TotalSeconds.ShouldBe(3);
    }

    [Fact]
    public async Task Cards_over_http_issue_once_show_history_and_refuse_bad_input_with_400()
    {
        using var http = new HttpClient { BaseAddress = new Uri(Controller.HttpUrl) };
        static StringContent Json(string s) => new(s, System.Text.Encoding.UTF8, "application/json");

        var issued = await http.PostAsync("/api/cards", Json("{\"id\": \"card-http\", \"expires\": \"2099-12-31\", \"balance\": 2.5}"));
        var body = await issued.Content.ReadAsStringAsync();
        issued.IsSuccessStatusCode.ShouldBeTrue(body);
        var pin = JsonDocument.Parse(body).RootElement.GetProperty("result").GetProperty("pin").GetString()!;
        CallingCardPin.Problem(pin).ShouldBeNull(); // generated and returned once
        (await fixture.Log.ReadAsync(0)).Select(e => JsonSerializer.Serialize(e.Event)).ShouldAllBe(e => !e.Contains(pin));
        Controller.App.Services.GetRequiredService<LiveBilling>().State.CardsByPinIndex[CallingCardPin.Index(pin)].ShouldBe("card-http");

        (await http.PostAsync("/api/cards/card-http/topups", Json("{\"amount\": 1.25, \"reason\": \"voucher 77\"}"))).IsSuccessStatusCode.ShouldBeTrue();
        (await http.PostAsync("/api/cards/card-http/adjustments", Json("{\"amount\": -0.75, \"reason\": \"goodwill reversed\"}"))).IsSuccessStatusCode.ShouldBeTrue();
        (await http.PostAsync("/api/cards/card-http/block", Json("{\"reason\": \"lost\"}"))).IsSuccessStatusCode.ShouldBeTrue();
        var shown = await http.GetStringAsync("/api/cards/card-http");
        shown.ShouldContain("\"balance\": 3.00");
        shown.ShouldContain("\"cause\": \"voucher 77\"");
        shown.ShouldContain("\"cause\": \"goodwill reversed\"");
        shown.ShouldContain("\"blockReason\": \"lost\"");

        var bad = await http.PostAsync("/api/cards", Json("{\"expires\": \"someday\"}"));
        bad.StatusCode.ShouldBe(System.Net.HttpStatusCode.BadRequest);
        (await bad.Content.ReadAsStringAsync()).ShouldContain("expires");
        var shortPin = await http.PostAsync("/api/cards", Json("{\"expires\": \"2099-12-31\", \"pin\": \"12\"}"));
        shortPin.StatusCode.ShouldBe(System.Net.HttpStatusCode.BadRequest);
        (await shortPin.Content.ReadAsStringAsync()).ShouldContain("\"field\":\"pin\"");
        (await http.PostAsync("/api/cards/card-nope/block", Json("{\"reason\": \"x\"}"))).StatusCode.ShouldBe(System.Net.HttpStatusCode.BadRequest);
        (await http.GetAsync("/api/cards/card-nope")).StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound);
    }
}
