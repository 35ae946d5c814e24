using System.Collections.Immutable;
using CallControl.Routing;
using NodaTime;

namespace CallControl.Provisioning;

// Calling-card access numbers: E.164 numbers of the provider through which card calls are dialled
// (<access>*<PIN>*<destination>, see CardDialString and docs/decisions.md "Calling cards"). One stream per number.

/// <summary>A calling-card access number was provisioned: card calls can be dialled through it.</summary>
public sealed record CardAccessNumberAdded(string Number, Instant At) : IProvisioningEvent;

/// <summary>The access number no longer takes card calls.</summary>
public sealed record CardAccessNumberRemoved(string Number, Instant At) : IProvisioningEvent;

public static partial class ProvisioningStreams
{
    public static string CardAccess(string number) => $"cardaccess:{number}";
}

public sealed partial record ProvisioningState
{
    public ImmutableSortedSet<string> CardAccessNumbers { get; init; } = ImmutableSortedSet<string>.Empty.WithComparer(StringComparer.Ordinal);

    private sealed partial class Fold
    {
        private ImmutableSortedSet<string>.Builder? _cardAccessNumbers;

        private void ApplyCards(IProvisioningEvent e)
        {
            switch (e)
            {
                case CardAccessNumberAdded x: (_cardAccessNumbers ??= start.CardAccessNumbers.ToBuilder()).Add(x.Number); break;
                case CardAccessNumberRemoved x: (_cardAccessNumbers ??= start.CardAccessNumbers.ToBuilder()).Remove(x.Number); break;
            }
        }

        /// <summary>The same instance when the batch did not touch access numbers (the snapshot reuses what did not change).</summary>
        private ImmutableSortedSet<string> CardAccessNumbers => _cardAccessNumbers?.ToImmutable() ?? start.CardAccessNumbers;
    }
}

public static partial class ProvisioningPlanner
{
    private static void PlanCards(ProvisioningState current, ProvisioningState wanted, Action<string, IProvisioningEvent> add, Instant now)
    {
        foreach (var number in current.CardAccessNumbers.Except(wanted.CardAccessNumbers))
            add(ProvisioningStreams.CardAccess(number), new CardAccessNumberRemoved(number, now));
        foreach (var number in wanted.CardAccessNumbers.Except(current.CardAccessNumbers))
            add(ProvisioningStreams.CardAccess(number), new CardAccessNumberAdded(number, now));
    }

    private static ImmutableSortedSet<string> DesiredCards(ProvisioningDocument document) =>
        (document.CardAccessNumbers ?? []).ToImmutableSortedSet(StringComparer.Ordinal);
}

public static partial class ProvisioningValidator
{
    /// <summary>An access number is an E.164 number of its own: not a DID (a DID rings a PBX), not twice.</summary>
    private static void ValidateCards(List<ProvisioningError> errors, ProvisioningDocument document)
    {
        var numbers = document.CardAccessNumbers ?? [];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < numbers.Count; i++)
        {
            var field = $"cardAccessNumbers[{i}]";
            var number = numbers[i];
            if (!CheckE164(errors, field, number)) continue;
            if (!seen.Add(number)) { errors.Add(new(field, $"{number} appears twice")); continue; }
            var digits = E164.Digits(number);
            var tenants = document.Tenants ?? [];
            for (var t = 0; t < tenants.Count; t++)
            {
                var dids = tenants[t]?.Dids ?? [];
                for (var d = 0; d < dids.Count; d++)
                {
                    if (dids[d] is not { } did || !E164.IsValid(did.First) || did.First.Length != number.Length) continue;
                    var last = did.Last is { } l && E164.IsValid(l) ? E164.Digits(l) : E164.Digits(did.First);
                    if (digits >= E164.Digits(did.First) && digits <= last)
                        errors.Add(new(field, $"{number} is a DID (tenants[{t}].dids[{d}]): an access number cannot ring a PBX too"));
                }
            }
        }
    }
}
