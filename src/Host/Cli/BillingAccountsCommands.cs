using System.ComponentModel;
using System.Globalization;
using CallControl.Billing.Accounts;
using CallControl.Host.Billing;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CallControl.Host.Cli;

public sealed class AccountsSettings : CommonSettings
{
    [CommandOption("--at <INSTANT>")]
    [Description("Balances as they were at this instant (a fold of the account events up to it)")]
    public string? At { get; init; }

    public override ValidationResult Validate() =>
        At is not null && BillingText.ParseInstant(At) is null ? ValidationResult.Error($"--at: '{At}' is not an ISO instant such as 2026-11-26T14:02:00Z") : base.Validate();
}

/// <summary><c>callcontrol accounts [--at INSTANT]</c>: every account with its balance, holds and what it may still spend.</summary>
public sealed class AccountsCommand : AsyncCommand<AccountsSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, AccountsSettings settings, CancellationToken ct)
    {
        using var cli = await BillingCli.OpenAsync(settings);
        var state = await cli.Log.LoadAsync(BillingText.ParseInstant(settings.At), ct);
        var table = new Table().AddColumns("account", "kind", "balance", "reserved", "available", "credit limit", "calls charged");
        foreach (var a in state.Accounts.Values.OrderBy(a => a.AccountId, StringComparer.Ordinal))
            table.AddRow(Markup.Escape(a.AccountId), a.Kind.ToString().ToLowerInvariant(), $"{BillingText.Money(a.Balance)} {a.Currency}",
                BillingText.Money(a.Reserved), a.Kind == AccountKind.Postpaid && a.CreditLimit is null ? "unlimited" : BillingText.Money(a.Available),
                a.CreditLimit is { } l ? BillingText.Money(l) : "", a.ChargedCount.ToString(CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"{state.Accounts.Count} account(s){(settings.At is null ? "" : $" as of {settings.At}")}");
        return 0;
    }
}

public sealed class TopUpSettings : CommonSettings
{
    [CommandArgument(0, "<ACCOUNT>")]
    public string Account { get; init; } = "";

    [CommandArgument(1, "<AMOUNT>")]
    [Description("Amount in the account's currency, e.g. 10.00")]
    public string Amount { get; init; } = "";

    [CommandOption("--reason <TEXT>")]
    [Description("Reference kept on the event (payment id, voucher)")]
    public string? Reason { get; init; }

    public decimal Value => decimal.Parse(Amount, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);

    public override ValidationResult Validate() =>
        !decimal.TryParse(Amount, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v) || v <= 0
            ? ValidationResult.Error($"<AMOUNT>: '{Amount}' is not a positive amount such as 10.00")
            : base.Validate();
}

/// <summary><c>callcontrol topup ACCOUNT AMOUNT [--reason]</c>: adds prepaid credit (a <c>BalanceToppedUp</c> event).</summary>
public sealed class TopUpCommand : AsyncCommand<TopUpSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, TopUpSettings settings, CancellationToken ct)
    {
        using var cli = await BillingCli.OpenAsync(settings);
        try
        {
            var e = await cli.Admin.TopUpAsync(settings.Account, settings.Value, settings.Reason, ct);
            var account = (await cli.Log.LoadAsync(ct: ct)).Accounts[settings.Account];
            AnsiConsole.MarkupLineInterpolated($"{e.AccountId}: +{BillingText.Money(e.Amount)} {account.Currency} ({e.Reference}); balance now {BillingText.Money(account.Balance)} {account.Currency}");
            return 0;
        }
        catch (BillingInputException ex)
        {
            return Exit.Usage($"topup: {ex.Message}");
        }
    }
}

public sealed class OpenAccountSettings : CommonSettings
{
    [CommandArgument(0, "<ACCOUNT>")]
    [Description("Account id: the tenant id whose PBXs' calls it pays")]
    public string Account { get; init; } = "";

    [CommandOption("--kind <KIND>")]
    [Description("prepaid (default) or postpaid")]
    public string Kind { get; init; } = "prepaid";

    [CommandOption("--currency <CODE>")]
    public string Currency { get; init; } = "EUR";

    [CommandOption("--credit-limit <AMOUNT>")]
    [Description("Postpaid: refuse new calls once owed + held reaches this (default: no limit)")]
    public decimal? CreditLimit { get; init; }

    public override ValidationResult Validate() =>
        Kind is not ("prepaid" or "postpaid") ? ValidationResult.Error($"--kind: '{Kind}' is not prepaid or postpaid")
        : CreditLimit is not null && Kind != "postpaid" ? ValidationResult.Error("--credit-limit: only for --kind postpaid")
        : base.Validate();
}

/// <summary><c>callcontrol open-account ACCOUNT --kind prepaid|postpaid</c>: opens a billing account (idempotent).</summary>
public sealed class OpenAccountCommand : AsyncCommand<OpenAccountSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, OpenAccountSettings settings, CancellationToken ct)
    {
        using var cli = await BillingCli.OpenAsync(settings);
        try
        {
            var events = await cli.Admin.OpenAccountAsync(settings.Account, settings.Kind == "postpaid" ? AccountKind.Postpaid : AccountKind.Prepaid,
                settings.Currency, settings.CreditLimit, ct: ct);
            AnsiConsole.MarkupLineInterpolated($"{(events.Count == 0 ? "account already open" : "account opened")}: {settings.Account}");
            return 0;
        }
        catch (BillingInputException ex)
        {
            return Exit.Usage($"open-account: {ex.Message}");
        }
    }
}
