using NodaTime;

namespace CallControl.Billing.Rating;

/// <summary>What stopped a prepaid grant from being longer.</summary>
public enum MaxDurationLimit
{
    /// <summary>One more increment would cost more than the available balance.</summary>
    Balance,
    /// <summary>The destination rate's maximum cost with strategy disconnect.</summary>
    MaxCost,
    /// <summary>The longest grant asked for (the cap on one call).</summary>
    Ceiling,
    /// <summary>No entry of the destination is in force beyond this point.</summary>
    RateEnds,
    /// <summary>The call is not rated at all; see <see cref="MaxDurationResult.Refusal"/>.</summary>
    Refused,
}

/// <summary>
/// The longest duration (whole increments) a call may last, the cost of exactly that duration, and why it is not
/// longer. <see cref="Duration"/> is zero when even the first increment (or the connect fee) is unaffordable.
/// </summary>
public sealed record MaxDurationResult(
    Duration Duration,
    decimal Cost,
    string Currency,
    MaxDurationLimit LimitedBy,
    NoRate? Refusal)
{
    public bool IsAdmissible => Refusal is null && Duration > Duration.Zero;
}
