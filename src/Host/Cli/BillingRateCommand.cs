using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using CallControl.Billing.Rating;
using CallControl.Host.Billing;
using NodaTime;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CallControl.Host.Cli;

public sealed class RateSettings : CommonSettings
{
    [CommandOption("--account <ID>")]
    [Description("The account (tenant id) that would pay")]
    public string Account { get; init; } = "";

    [CommandOption("--to <E164>")]
    [Description("Destination number, E.164 (+4420...)")]
    public string To { get; init; } = "";

    [CommandOption("--at <INSTANT>")]
    [Description("When the call starts (ISO instant, default now)")]
    public string? At { get; init; }

    [CommandOption("--seconds <N>")]
    [Description("Talk time in seconds")]
    public decimal Seconds { get; init; } = -1;

    [CommandOption("--format <FORMAT>")]
    [Description("text (default) or json")]
    public string Format { get; init; } = "text";

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Account)) return ValidationResult.Error("--account: name the account that pays");
        if (string.IsNullOrWhiteSpace(To)) return ValidationResult.Error("--to: give the destination as E.164, e.g. +442079460000");
        if (At is not null && BillingText.ParseInstant(At) is null) return ValidationResult.Error($"--at: '{At}' is not an ISO instant such as 2026-11-26T14:02:00Z");
        if (Seconds < 0 || Seconds > 86_400 * 7) return ValidationResult.Error("--seconds: give the talk time, 0 to 604800 seconds");
        if (Format is not ("text" or "json")) return ValidationResult.Error($"--format: '{Format}' is not text or json");
        return base.Validate();
    }
}

/// <summary><c>callcontrol rate --account --to --at --seconds</c>: what a call costs, with the breakdown.</summary>
public sealed class RateCommand : AsyncCommand<RateSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, RateSettings settings, CancellationToken ct)
    {
        using var cli = await BillingCli.OpenAsync(settings);
        var state = await cli.Log.LoadAsync(ct: ct);
        var at = BillingText.ParseInstant(settings.At) ?? SystemClock.Instance.GetCurrentInstant();
        var result = Rater.Rate(state.Book, settings.Account, settings.To, at, Duration.FromTicks((long)(settings.Seconds * NodaConstants.TicksPerSecond)));
        if (settings.Format == "json") Console.Out.WriteLine(JsonSerializer.Serialize<object>(RateResponse.From(result), BillingText.Json));
        else Console.Out.Write(RatingReport.Describe(result) + (result is NoRate ? "\n" : ""));
        return result is NoRate ? 1 : 0;
    }
}

/// <summary>The answer of <c>rate</c> and <c>GET /api/rate</c>.</summary>
public sealed record RateResponse(bool Rated, decimal? Total, string? Currency, string? Refusal, object Rating, string Text)
{
    public static RateResponse From(RatingResult result) => result switch
    {
        RatedCall r => new RateResponse(true, r.Total, r.Currency, null, r, RatingReport.Describe(r)),
        NoRate n => new RateResponse(false, null, null, $"{n.Reason}: {n.Detail}", n, RatingReport.Describe(n)),
        _ => throw new InvalidOperationException($"unknown rating result {result.GetType().Name}"),
    };
}
