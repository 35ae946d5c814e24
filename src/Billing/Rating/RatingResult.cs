using CallControl.Billing.Money;
using NodaTime;

namespace CallControl.Billing.Rating;

/// <summary>Outcome of rating a call: <see cref="RatedCall"/> or <see cref="NoRate"/>.</summary>
public abstract record RatingResult;

/// <summary>Why a call could not be rated. A call without a rate is refused, never free.</summary>
public enum NoRateReason
{
    /// <summary>The number is empty or not E.164 digits.</summary>
    InvalidNumber,
    /// <summary>Neither the account nor the default (<c>*any</c>) has a rating profile active at the start.</summary>
    NoTariffPlan,
    /// <summary>The profile names a plan with no version in force at the start.</summary>
    PlanNotInForce,
    /// <summary>No destination prefix of the plan matches the number.</summary>
    NoDestination,
    /// <summary>The destination matches, but no timing of it is in force at some instant of the call.</summary>
    NoRateInPeriod,
}

/// <summary>The call is refused; <paramref name="Detail"/> names the account, plan and number.</summary>
public sealed record NoRate(NoRateReason Reason, string Detail) : RatingResult;

/// <summary>
/// A priced call. <see cref="Total"/> is the sum of <see cref="RatedPart.Cost"/> over <see cref="Parts"/>
/// (each part is rounded with its own rule first, then the rounded parts are added), so the total always equals the
/// sum of the breakdown. The connect fee is carried by the first part. A zero-length call has no parts and costs 0.
/// </summary>
public sealed record RatedCall(
    string AccountId,
    string Destination,
    Instant Start,
    Duration Duration,
    string Currency,
    string PlanId,
    int PlanVersion,
    string DestinationId,
    string MatchedPrefix,
    IReadOnlyList<RatedPart> Parts,
    decimal Total,
    bool MaxCostReached) : RatingResult
{
    public Duration Billed
    {
        get
        {
            var sum = Duration.Zero;
            foreach (var p in Parts)
            {
                sum += p.Billed;
            }
            return sum;
        }
    }

    public decimal ConnectFee => Parts.Count > 0 ? Parts[0].ConnectFee : 0m;

    public Money.Money TotalMoney => new(Total, Currency);
}

/// <summary>
/// A stretch of the call priced by one entry (period) and one rate slot.
/// <see cref="Cost"/> = <see cref="ConnectFee"/> + <see cref="UsageCost"/>, after any maximum-cost cap.
/// </summary>
/// <param name="Start">Where the part starts; billed time beyond the real end (increments, minimum duration) belongs to the last part.</param>
/// <param name="Actual">Real call time in this part.</param>
/// <param name="Billed">Increments * Increment.</param>
/// <param name="UnroundedCost">UnitPrice * Billed / Unit before rounding.</param>
/// <param name="UsageCost">UnroundedCost rounded with <paramref name="Rounding"/>.</param>
public sealed record RatedPart(
    Instant Start,
    Duration Actual,
    Duration Billed,
    long Increments,
    Duration Increment,
    decimal UnitPrice,
    Duration Unit,
    Duration GroupIntervalStart,
    string DestinationRateId,
    string RateId,
    string TimingId,
    RoundingRule Rounding,
    decimal UnroundedCost,
    decimal ConnectFee,
    decimal UsageCost,
    decimal Cost,
    bool MaxCostApplied);
