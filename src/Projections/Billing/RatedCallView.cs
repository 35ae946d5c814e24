using CallControl.Billing.Accounts;
using CallControl.Billing.Rating;
using Marten;
using Marten.Events.Projections;
using Marten.Patching;
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

/// <summary>
/// Writes the rated CDR: <see cref="CallRated"/> (call stream) stores it, <see cref="CallReRated"/> (account stream)
/// patches its amount in place. An event projection with a patch rather than an aggregation: a re-rating of a million
/// calls would otherwise load and rewrite every CDR (breakdown included) one by one. Replaying the events in order
/// gives the same documents.
/// </summary>
public sealed partial class RatedCallProjection : EventProjection
{
    public RatedCallView Create(CallRated e) => ViewOf(e);

    public void Project(CallReRated e, IDocumentOperations ops) =>
        ops.Patch<RatedCallView>(e.Call.Value).Set(v => v.Amount, e.NewAmount).Increment(v => v.ReRatings);

    public static RatedCallView ViewOf(CallRated e) => new()
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
}
