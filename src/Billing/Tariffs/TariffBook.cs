using System.Collections.Immutable;
using CallControl.Billing.Rating;
using NodaTime;

namespace CallControl.Billing.Tariffs;

/// <summary>
/// Immutable snapshot of all tariff plans (every version) and rating profiles, folded from
/// <see cref="TariffPlanImported"/> and <see cref="RatingProfileAssigned"/>. Build a new one per change and swap it.
/// </summary>
public sealed class TariffBook
{
    private readonly ImmutableDictionary<string, ImmutableArray<PlanVersion>> _plans;
    private readonly ImmutableDictionary<string, ImmutableArray<RatingProfileAssigned>> _profiles;

    private TariffBook(
        ImmutableDictionary<string, ImmutableArray<PlanVersion>> plans,
        ImmutableDictionary<string, ImmutableArray<RatingProfileAssigned>> profiles)
    {
        _plans = plans;
        _profiles = profiles;
    }

    public static TariffBook Empty { get; } = new(
        ImmutableDictionary.Create<string, ImmutableArray<PlanVersion>>(StringComparer.Ordinal),
        ImmutableDictionary.Create<string, ImmutableArray<RatingProfileAssigned>>(StringComparer.Ordinal));

    /// <summary>Folds events in order. Events recorded after <paramref name="asOf"/> are ignored (the book "as of").</summary>
    public static TariffBook From(IEnumerable<object> events, Instant? asOf = null)
    {
        var book = Empty;
        foreach (var e in events)
        {
            book = book.Apply(e, asOf);
        }
        return book;
    }

    /// <summary>Applies one event; anything that is not a tariff event (or recorded after <paramref name="asOf"/>) is ignored.</summary>
    public TariffBook Apply(object @event, Instant? asOf = null) => @event switch
    {
        TariffPlanImported e when asOf is null || e.At <= asOf => Apply(e),
        RatingProfileAssigned e when asOf is null || e.At <= asOf => Apply(e),
        _ => this,
    };

    public TariffBook Apply(TariffPlanImported e)
    {
        var compiled = new CompiledPlan(e.PlanId, e.Version, e.Definition);
        var versions = _plans.TryGetValue(e.PlanId, out var existing) ? existing : [];
        // Re-importing the same version number replaces it (idempotent replay of a duplicate event).
        var builder = versions.RemoveAll(v => v.Event.Version == e.Version).ToBuilder();
        builder.Add(new PlanVersion(e, compiled));
        builder.Sort((a, b) => a.Event.Version.CompareTo(b.Event.Version));
        return new TariffBook(_plans.SetItem(e.PlanId, builder.ToImmutable()), _profiles);
    }

    public TariffBook Apply(RatingProfileAssigned e)
    {
        var entries = _profiles.TryGetValue(e.AccountId, out var existing) ? existing : [];
        // Stable: a later assignment with the same activation replaces the earlier one.
        var index = 0;
        while (index < entries.Length && entries[index].ActivatesAt <= e.ActivatesAt)
        {
            index++;
        }
        return new TariffBook(_plans, _profiles.SetItem(e.AccountId, entries.Insert(index, e)));
    }

    /// <summary>Highest version number imported for a plan, 0 if none (the next import uses this + 1).</summary>
    public int LatestVersion(string planId) =>
        _plans.TryGetValue(planId, out var versions) && versions.Length > 0 ? versions[^1].Event.Version : 0;

    public IEnumerable<string> PlanIds => _plans.Keys.Order(StringComparer.Ordinal);

    public IEnumerable<string> AccountIds => _profiles.Keys.Order(StringComparer.Ordinal);

    /// <summary>The plan version in force for calls starting at <paramref name="at"/>: highest version already effective.</summary>
    public TariffPlanImported? PlanInForce(string planId, Instant at) => PlanVersionAt(planId, at)?.Event;

    /// <summary>The profile active for <paramref name="accountId"/> at <paramref name="at"/>, without default fallback.</summary>
    public RatingProfileAssigned? ProfileAt(string accountId, Instant at)
    {
        if (!_profiles.TryGetValue(accountId, out var entries))
        {
            return null;
        }
        for (var i = entries.Length - 1; i >= 0; i--)
        {
            if (entries[i].ActivatesAt <= at)
            {
                return entries[i];
            }
        }
        return null;
    }

    /// <summary>All profile assignments of an account in activation order.</summary>
    public ImmutableArray<RatingProfileAssigned> ProfilesOf(string accountId) =>
        _profiles.TryGetValue(accountId, out var entries) ? entries : [];

    /// <summary>All versions of a plan in version order.</summary>
    public IEnumerable<TariffPlanImported> VersionsOf(string planId)
    {
        if (!_plans.TryGetValue(planId, out var versions))
        {
            yield break;
        }
        foreach (var v in versions)
        {
            yield return v.Event;
        }
    }

    internal CompiledPlan? CompiledPlanAt(string planId, Instant at) => PlanVersionAt(planId, at)?.Compiled;

    private PlanVersion? PlanVersionAt(string planId, Instant at)
    {
        if (!_plans.TryGetValue(planId, out var versions))
        {
            return null;
        }
        for (var i = versions.Length - 1; i >= 0; i--)
        {
            if (versions[i].Event.EffectiveFrom <= at)
            {
                return versions[i];
            }
        }
        return null;
    }

    private sealed record PlanVersion(TariffPlanImported Event, CompiledPlan Compiled);
}
