using CallControl.Billing.Tariffs;
using NodaTime;

namespace CallControl.Billing.Csv;

/// <summary>A plan read from the files, ready to become a <see cref="TariffPlanImported"/>.</summary>
public sealed record ImportedPlan(string PlanId, TariffPlanDefinition Definition);

/// <summary>A RatingProfiles.csv row: Subject is our account id (<c>*any</c> = default plan).</summary>
public sealed record RatingProfileRow(string AccountId, string PlanId, Instant ActivatesAt, string? FallbackAccountId);

/// <summary>What an import read. Nothing of it should be used when <see cref="Errors"/> is not empty.</summary>
public sealed record TariffImportResult(
    IReadOnlyList<ImportedPlan> Plans,
    IReadOnlyList<RatingProfileRow> Profiles,
    IReadOnlyList<TariffImportError> Errors,
    IReadOnlyList<TariffImportError> Warnings)
{
    public bool IsValid => Errors.Count == 0;

    public TariffImportResult ThrowIfInvalid() => IsValid ? this : throw new TariffImportException(Errors);

    /// <summary>
    /// The events that bring <paramref name="current"/> up to the files: a new version (latest + 1) of every plan whose
    /// content changed, effective from <paramref name="effectiveFrom"/>, and every profile row not already assigned.
    /// Importing the same files twice yields no events the second time.
    /// </summary>
    public IReadOnlyList<object> ToEvents(TariffBook current, Instant effectiveFrom, Instant now)
    {
        ThrowIfInvalid();
        var events = new List<object>();
        foreach (var plan in Plans)
        {
            var latest = current.VersionsOf(plan.PlanId).LastOrDefault();
            if (latest is not null && TariffCsv.Canonical(latest.Definition) == TariffCsv.Canonical(plan.Definition))
            {
                continue;
            }
            events.Add(new TariffPlanImported(plan.PlanId, current.LatestVersion(plan.PlanId) + 1, plan.Definition, effectiveFrom, now));
        }
        foreach (var row in Profiles)
        {
            var known = current.ProfilesOf(row.AccountId).Any(p =>
                p.PlanId == row.PlanId && p.ActivatesAt == row.ActivatesAt && p.FallbackAccountId == row.FallbackAccountId);
            if (!known)
            {
                events.Add(new RatingProfileAssigned(row.AccountId, row.PlanId, row.ActivatesAt, row.FallbackAccountId, now));
            }
        }
        return events;
    }
}
