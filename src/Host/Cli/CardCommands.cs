using System.ComponentModel;
using System.Globalization;
using System.Net.Http.Json;
using CallControl.Host.Billing;
using NodaTime;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CallControl.Host.Cli;

/// <summary><c>callcontrol cards ...</c>: calling cards (README, "Calling cards").</summary>
public static class CardCommands
{
    public static void Register(IConfigurator config) =>
        config.AddBranch("cards", cards =>
        {
            cards.SetDescription("Calling cards: issue, top up, adjust, block, unblock, show balance and history");
            cards.AddCommand<CardsListCommand>("list").WithDescription("Every calling card with its balance and state");
            cards.AddCommand<CardIssueCommand>("issue").WithDescription("Issue a card (the PIN is printed once, stored only hashed)");
            cards.AddCommand<CardShowCommand>("show").WithDescription("A card's balance, state and history (every event with its cause)");
            cards.AddCommand<CardTopUpCommand>("topup").WithDescription("Add credit to a card");
            cards.AddCommand<CardAdjustCommand>("adjust").WithDescription("Correct a card's balance (+ or -) with a reason");
            cards.AddCommand<CardBlockCommand>("block").WithDescription("Refuse the card's new calls, with a reason");
            cards.AddCommand<CardUnblockCommand>("unblock").WithDescription("Allow the card's calls again");
            cards.AddCommand<CardLocksCommand>("locks").WithDescription("Sources locked for wrong PINs, and those counting (running controller)");
            cards.AddCommand<CardUnlockSourceCommand>("unlock-source").WithDescription("Lift a wrong-PIN lock of a source, with a reason (running controller)");
        });

    internal static CardAdmin Cards(BillingCli cli) => new(cli.Admin, cli.Log, cli.Store, SystemClock.Instance);

    internal static bool TryAmount(string text, bool signed, out decimal value) =>
        decimal.TryParse(text, signed ? NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign : NumberStyles.AllowDecimalPoint,
            CultureInfo.InvariantCulture, out value);
}

public sealed class CardIssueSettings : CommonSettings
{
    [CommandOption("--id <CARD>")]
    [Description("Card (account) id; default card-NNNNNN")]
    public string? Id { get; init; }

    [CommandOption("--pin <DIGITS>")]
    [Description("6-20 digits; default: a random 12-digit PIN, printed once")]
    public string? Pin { get; init; }

    [CommandOption("--expires <DATE>")]
    [Description("Last day the card works (2027-12-31, UTC) or an ISO instant")]
    public string Expires { get; init; } = "";

    [CommandOption("--max-simultaneous <N>")]
    [Description("Calls the card may have up at once (default 1)")]
    public int MaxSimultaneous { get; init; } = 1;

    [CommandOption("--balance <AMOUNT>")]
    [Description("Opening balance (default 0)")]
    public string Balance { get; init; } = "0";

    [CommandOption("--currency <CODE>")]
    public string Currency { get; init; } = "EUR";

    public override ValidationResult Validate() =>
        CardText.ParseExpiry(Expires) is null ? ValidationResult.Error($"--expires: '{Expires}' is not a date such as 2027-12-31 or an ISO instant")
        : !CardCommands.TryAmount(Balance, false, out _) ? ValidationResult.Error($"--balance: '{Balance}' is not an amount such as 10.00")
        : base.Validate();
}

/// <summary><c>callcontrol cards issue --expires 2027-12-31 [--pin] [--id] [--max-simultaneous] [--balance]</c></summary>
public sealed class CardIssueCommand : AsyncCommand<CardIssueSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, CardIssueSettings settings, CancellationToken ct)
    {
        using var cli = await BillingCli.OpenAsync(settings);
        CardCommands.TryAmount(settings.Balance, false, out var balance);
        try
        {
            var card = await CardCommands.Cards(cli).IssueAsync(settings.Id, settings.Pin, CardText.ParseExpiry(settings.Expires)!.Value,
                settings.MaxSimultaneous, balance, settings.Currency, ct);
            AnsiConsole.MarkupLineInterpolated($"card {card.CardId} issued: {BillingText.Money(card.Balance)} {card.Currency}, expires {card.ExpiresAt}, at most {card.MaxSimultaneousUses} call(s) at once");
            // Printed once: only its hash is stored.
            if (card.PinGenerated) AnsiConsole.MarkupLineInterpolated($"PIN: {card.Pin}  (shown once; it is stored only hashed)");
            return 0;
        }
        catch (CardInputException ex)
        {
            return Exit.Usage($"cards issue: --{(ex.Field == "maxSimultaneous" ? "max-simultaneous" : ex.Field)}: {ex.Message}");
        }
    }
}

public class CardIdSettings : CommonSettings
{
    [CommandArgument(0, "<CARD>")]
    public string Card { get; init; } = "";
}

/// <summary><c>callcontrol cards list</c></summary>
public sealed class CardsListCommand : AsyncCommand<CommonSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, CommonSettings settings, CancellationToken ct)
    {
        using var cli = await BillingCli.OpenAsync(settings);
        var cards = await CardCommands.Cards(cli).ListAsync(ct);
        var table = new Table().AddColumns("card", "balance", "reserved", "expires", "state", "calls up / max");
        foreach (var c in cards)
            table.AddRow(Markup.Escape(c.CardId), $"{BillingText.Money(c.Balance)} {c.Currency}", BillingText.Money(c.Reserved), c.ExpiresAt.ToString(),
                Markup.Escape(CardShowCommand.StateOf(c)), $"{c.CallsInProgress} / {c.MaxSimultaneousUses}");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"{cards.Count} card(s)");
        return 0;
    }
}

/// <summary><c>callcontrol cards show CARD</c>: balance, state and every event with its cause.</summary>
public sealed class CardShowCommand : AsyncCommand<CardIdSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, CardIdSettings settings, CancellationToken ct)
    {
        using var cli = await BillingCli.OpenAsync(settings);
        if (await CardCommands.Cards(cli).ShowAsync(settings.Card, ct) is not { } card) return Exit.Usage($"cards show: no calling card '{settings.Card}'");
        AnsiConsole.MarkupLineInterpolated($"card {card.CardId}: balance {BillingText.Money(card.Balance)} {card.Currency}, held {BillingText.Money(card.Reserved)}, available {BillingText.Money(card.Available)}");
        AnsiConsole.MarkupLineInterpolated($"{StateOf(card)}; expires {card.ExpiresAt}; {card.CallsInProgress} of {card.MaxSimultaneousUses} simultaneous call(s) in use");
        var table = new Table().AddColumns("at", "what", "amount", "cause");
        foreach (var h in card.History)
            table.AddRow(h.At.ToString(), h.What, h.Amount is { } a ? BillingText.Money(a) : "", Markup.Escape(h.Cause));
        AnsiConsole.Write(table);
        return 0;
    }

    internal static string StateOf(CardView c) =>
        c.Blocked ? $"blocked ({c.BlockReason})" : c.Expired ? "expired" : "active";
}

public sealed class CardAmountSettings : CardIdSettings
{
    [CommandArgument(1, "<AMOUNT>")]
    public string Amount { get; init; } = "";

    [CommandOption("--reason <TEXT>")]
    [Description("The cause kept on the event (payment reference, why the correction)")]
    public string? Reason { get; init; }
}

/// <summary><c>callcontrol cards topup CARD AMOUNT [--reason]</c></summary>
public sealed class CardTopUpCommand : AsyncCommand<CardAmountSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, CardAmountSettings settings, CancellationToken ct)
    {
        if (!CardCommands.TryAmount(settings.Amount, false, out var amount) || amount <= 0)
            return Exit.Usage($"cards topup: <AMOUNT>: '{settings.Amount}' is not a positive amount such as 10.00");
        using var cli = await BillingCli.OpenAsync(settings);
        try
        {
            var e = await CardCommands.Cards(cli).TopUpAsync(settings.Card, amount, settings.Reason, ct);
            var account = (await cli.Log.LoadAsync(ct: ct)).Accounts[settings.Card];
            AnsiConsole.MarkupLineInterpolated($"{e.AccountId}: +{BillingText.Money(e.Amount)} {account.Currency} ({e.Reference}); balance now {BillingText.Money(account.Balance)} {account.Currency}");
            return 0;
        }
        catch (CardInputException ex)
        {
            return Exit.Usage($"cards topup: {ex.Message}");
        }
    }
}

/// <summary><c>callcontrol cards adjust CARD AMOUNT --reason TEXT</c> (AMOUNT may be negative)</summary>
public sealed class CardAdjustCommand : AsyncCommand<CardAmountSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, CardAmountSettings settings, CancellationToken ct)
    {
        if (!CardCommands.TryAmount(settings.Amount, true, out var amount))
            return Exit.Usage($"cards adjust: <AMOUNT>: '{settings.Amount}' is not an amount such as -1.50");
        using var cli = await BillingCli.OpenAsync(settings);
        try
        {
            await CardCommands.Cards(cli).AdjustAsync(settings.Card, amount, settings.Reason ?? "", ct);
            var account = (await cli.Log.LoadAsync(ct: ct)).Accounts[settings.Card];
            AnsiConsole.MarkupLineInterpolated($"{settings.Card}: {(amount > 0 ? "+" : "")}{BillingText.Money(amount)} {account.Currency} ({settings.Reason}); balance now {BillingText.Money(account.Balance)} {account.Currency}");
            return 0;
        }
        catch (CardInputException ex)
        {
            return Exit.Usage($"cards adjust: {ex.Message}");
        }
    }
}

public sealed class CardBlockSettings : CardIdSettings
{
    [CommandOption("--reason <TEXT>")]
    [Description("Why (lost, stolen, fraud...): kept on the event and given in the refusal")]
    public string? Reason { get; init; }
}

/// <summary><c>callcontrol cards block CARD --reason TEXT</c></summary>
public sealed class CardBlockCommand : AsyncCommand<CardBlockSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, CardBlockSettings settings, CancellationToken ct)
    {
        using var cli = await BillingCli.OpenAsync(settings);
        try
        {
            var events = await CardCommands.Cards(cli).BlockAsync(settings.Card, settings.Reason ?? "", ct);
            AnsiConsole.MarkupLineInterpolated($"{settings.Card}: {(events.Count == 0 ? "already blocked" : "blocked")}");
            return 0;
        }
        catch (CardInputException ex)
        {
            return Exit.Usage($"cards block: {ex.Message}");
        }
    }
}

/// <summary><c>callcontrol cards unblock CARD</c></summary>
public sealed class CardUnblockCommand : AsyncCommand<CardIdSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, CardIdSettings settings, CancellationToken ct)
    {
        using var cli = await BillingCli.OpenAsync(settings);
        try
        {
            var events = await CardCommands.Cards(cli).UnblockAsync(settings.Card, ct);
            AnsiConsole.MarkupLineInterpolated($"{settings.Card}: {(events.Count == 0 ? "was not blocked" : "unblocked")}");
            return 0;
        }
        catch (CardInputException ex)
        {
            return Exit.Usage($"cards unblock: {ex.Message}");
        }
    }
}

/// <summary><c>callcontrol cards locks</c>: asks the running controller which sources are locked for wrong PINs, and which
/// have wrong PINs in their window.</summary>
public sealed class CardLocksCommand : AsyncCommand<LimitsSettings>
{
    private sealed record Rule(int MaxFailures, double WindowSeconds, double LockSeconds);
    private sealed record Rules(Rule Caller, Rule Trunk);
    private sealed record Answer(Rules Rules, List<CardSourceView> Sources);

    public override async Task<int> ExecuteAsync(CommandContext context, LimitsSettings settings, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = new Uri(settings.BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        Answer? answer;
        try
        {
            answer = await http.GetFromJsonAsync<Answer>("/api/card-locks", BillingText.Json, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            Console.Error.WriteLine($"cards locks: the controller at {settings.BaseUrl} did not answer ({ex.Message}); is it running? (see --http / CALLCONTROL_HTTP)");
            return 2;
        }
        if (answer is null) return Exit.Usage($"cards locks: empty answer from {settings.BaseUrl}");
        AnsiConsole.MarkupLineInterpolated($"rules: caller {Describe(answer.Rules.Caller)}; trunk {Describe(answer.Rules.Trunk)}");
        var table = new Table().AddColumns("source", "scope", "state", "wrong PINs in window", "reason");
        foreach (var s in answer.Sources)
            table.AddRow(Markup.Escape(s.Source), s.Scope, s.Locked ? $"locked until {s.LockedUntil}" : "counting",
                $"{s.FailuresInWindow} / {s.MaxFailures}", Markup.Escape(s.Reason ?? ""));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"{answer.Sources.Count(s => s.Locked)} source(s) locked");
        return 0;
    }

    private static string Describe(Rule r) =>
        r.MaxFailures == 0 ? "off" : $"{r.MaxFailures} wrong PINs in {r.WindowSeconds / 60:0.#} min lock for {r.LockSeconds / 60:0.#} min";
}

public sealed class CardUnlockSourceSettings : LimitsSettings
{
    [CommandArgument(0, "<SOURCE>")]
    [Description("The locked source as `cards locks` shows it: pbx:acme-hq/1001 (a caller) or pbx:acme-hq, gateway:gw-a (a trunk)")]
    public string Source { get; init; } = "";

    [CommandOption("--reason <TEXT>")]
    [Description("Why the lock is lifted (required; kept on the event)")]
    public string? Reason { get; init; }

    [CommandOption("--by <NAME>")]
    [Description("Who lifts it (default: $USER)")]
    public string? By { get; init; }

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Reason) ? ValidationResult.Error("--reason: say why the lock is lifted") : base.Validate();
}

/// <summary><c>callcontrol cards unlock-source SOURCE --reason TEXT</c>: lifts a wrong-PIN lock on the running controller
/// (recorded as <c>CardSourceUnlocked</c>).</summary>
public sealed class CardUnlockSourceCommand : AsyncCommand<CardUnlockSourceSettings>
{
    private sealed record Answer(string Source, string By, string Reason);

    public override async Task<int> ExecuteAsync(CommandContext context, CardUnlockSourceSettings settings, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = new Uri(settings.BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsJsonAsync("/api/card-locks/unlock",
                new Api.UnlockCardSourceRequest(settings.Source, settings.Reason, settings.By ?? Environment.UserName), ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            Console.Error.WriteLine($"cards unlock-source: the controller at {settings.BaseUrl} is not reachable ({ex.Message}); is it running? (see --http / CALLCONTROL_HTTP)");
            return 2;
        }
        using (response)
        {
            if (response.StatusCode is System.Net.HttpStatusCode.BadRequest or System.Net.HttpStatusCode.NotFound)
                return Exit.Usage($"cards unlock-source: {await ProblemDetail(response, ct)}");
            if (!response.IsSuccessStatusCode)
            {
                Console.Error.WriteLine($"cards unlock-source: unexpected answer {(int)response.StatusCode} from {settings.BaseUrl}");
                return 1;
            }
            var answer = await response.Content.ReadFromJsonAsync<Answer>(BillingText.Json, ct);
            AnsiConsole.MarkupLineInterpolated($"{answer!.Source}: unlocked ({answer.Reason})");
            return 0;
        }
    }

    private static async Task<string> ProblemDetail(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(text);
            return doc.RootElement.TryGetProperty("detail", out var detail) ? detail.GetString() ?? text : text;
        }
        catch (System.Text.Json.JsonException)
        {
            return text;
        }
    }
}
