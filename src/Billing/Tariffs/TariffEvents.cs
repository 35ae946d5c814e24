using NodaTime;

namespace CallControl.Billing.Tariffs;

/// <summary>
/// A version of a tariff plan was imported. It is in force for calls starting at or after
/// <paramref name="EffectiveFrom"/>; among versions in force the highest <paramref name="Version"/> wins, so a
/// correction may take effect in the past (and re-rating picks it up). <paramref name="At"/> is when it was recorded.
/// </summary>
public sealed record TariffPlanImported(
    string PlanId,
    int Version,
    TariffPlanDefinition Definition,
    Instant EffectiveFrom,
    Instant At);

/// <summary>
/// An account rates with <paramref name="PlanId"/> for calls starting at or after <paramref name="ActivatesAt"/>
/// (RatingProfiles.csv row). <paramref name="AccountId"/> <c>*any</c> assigns the default plan.
/// <paramref name="FallbackAccountId"/> (CGRateS RatesFallbackSubject) is asked when the plan has no rate for a number.
/// </summary>
public sealed record RatingProfileAssigned(
    string AccountId,
    string PlanId,
    Instant ActivatesAt,
    string? FallbackAccountId,
    Instant At);
