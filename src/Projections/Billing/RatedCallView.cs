using CallControl.Billing.Accounts;
using CallControl.Billing.Rating;
using Marten.Events.Projections;
using NodaTime;

namespace CallControl.Projections.Billing;

/// <summary>
/// The rated CDR: one per rated call, keyed by the call stream key. <see cref="Amount"/> is what the account owes for
/// the call now (the charge, then each re-rating); <see cref="RatedTotal"/> and <see cref="Parts"/> are the breakdown
/// at the end of the call. Reports and re-rating read this document.
/// </summary>
public sealed record RatedCallView
{
    public string Id { get; init; } = "";
    public string AccountId { get; init; } = "";
    public string Destination { get; init; } = "";
    public Instant Start { get; init; }
    /// <summary><see cref="Start"/> in Unix milliseconds: what range queries filter and sort on.</summary>
    public long StartMs { get; init; }
    public Duration Duration { get; init; }
    public string Currency { get; init; } = "";
    public string PlanId { get; init; } = "";
    public int PlanVersion { get; init; }
    public string DestinationId { get; init; } = "";
    public string MatchedPrefix { get; init; } = "";
    public IReadOnlyList<RatedPart> Parts { get; init; } = [];
    public decimal RatedTotal { get; init; }
    public decimal Amount { get; init; }
    public int ReRatings { get; init; }

    public RatedCall ToRatedCall() => new(AccountId, Destination, Start, Duration, Currency, PlanId, PlanVersion,
        DestinationId, MatchedPrefix, Parts, RatedTotal, Parts.Any(p => p.MaxCostApplied));
}

/// <summary>Folds <see cref="CallRated"/> (call stream) and <see cref="CallReRated"/> (account stream) into the rated CDR.</summary>
public sealed class RatedCallProjection : MultiStreamProjection<RatedCallView, string>
{
    public RatedCallProjection()
    {
        Identity<CallRated>(e => e.CallKey);
        Identity<CallReRated>(e => e.Call.Value);
    }

    public static RatedCallView Create(CallRated e) => new()
    {
        Id = e.CallKey,
        AccountId = e.AccountId,
        Destination = e.Destination,
        Start = e.Start,
        StartMs = e.Start.ToUnixTimeMilliseconds(),
        Duration = e.Duration,
        Currency = e.Currency,
        PlanId = e.PlanId,
        PlanVersion = e.PlanVersion,
        DestinationId = e.DestinationId,
        MatchedPrefix = e.MatchedPrefix,
        Parts = e.Parts,
        RatedTotal = e.Total,
        Amount = e.Total,
    };

    public static RatedCallView Apply(CallReRated e, RatedCallView view) => view with { Amount = e.NewAmount, ReRatings = view.ReRatings + 1 };
}
