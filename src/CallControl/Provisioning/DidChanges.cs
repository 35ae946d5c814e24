using CallControl.Routing;
using NodaTime;

namespace CallControl.Provisioning;

/// <summary>The outcome of planning a change (a document, one DID change): errors (nothing to append), or the events to append.
/// <see cref="NotFound"/>: the range to unassign is not assigned (HTTP 404).</summary>
public sealed record ProvisioningPlan(IReadOnlyList<ProvisioningError> Errors, IReadOnlyList<ProvisioningChange> Changes, bool NotFound = false)
{
    public bool IsValid => Errors.Count == 0;
    public static ProvisioningPlan Invalid(params ProvisioningError[] errors) => new(errors, []);
}

/// <summary>
/// Single DID changes, planned against the live state: assign a number or range to a PBX (or move it to another),
/// unassign it. The checks are the ones a whole document gets for that change (same messages where the document
/// would have said it), but the state is asked instead of diffed: the overlap check is a lookup in the sorted
/// <see cref="DidRangeIndex"/>, the rest are dictionary lookups, so the cost does not grow with the cloud (only
/// the forwards and card access numbers are looked through, and only those that could fall in the range).
/// The events are the document planner's: <see cref="DidRangeAssigned"/>, a reassignment as
/// <see cref="DidRangeReleased"/> then <see cref="DidRangeAssigned"/>, an unassignment as <see cref="DidRangeReleased"/>.
/// </summary>
public static class DidChanges
{
    /// <summary>Field names in errors: the number or range (URL path segment, CLI argument) and the PBX.</summary>
    public const string NumberField = "number", PbxField = "pbx";

    /// <summary>
    /// Reads a number or a range: <c>+31205550150</c>, <c>+31205550100..+31205550199</c> (the range id, as in the
    /// stream <c>did:&lt;range&gt;</c>) or <c>+31205550100-+31205550199</c>. Checks each number as a document's
    /// <c>first</c>/<c>last</c> are checked.
    /// </summary>
    public static (string First, string Last, IReadOnlyList<ProvisioningError> Errors) Parse(string? text)
    {
        var errors = new List<ProvisioningError>();
        text = text?.Trim() ?? "";
        var cut = text.IndexOf("..", StringComparison.Ordinal);
        var (first, last) = cut >= 0 ? (text[..cut], text[(cut + 2)..])
            : text.Length > 1 && text.IndexOf('-', 1) is var dash and > 0 ? (text[..dash], text[(dash + 1)..])
            : (text, text);
        var ok = ProvisioningValidator.CheckE164(errors, NumberField, first);
        ok &= last == first || ProvisioningValidator.CheckE164(errors, NumberField, last);
        if (ok && last.Length != first.Length)
            errors.Add(new(NumberField, $"'{last}' has not the same number of digits as first '{first}'"));
        else if (ok && E164.Digits(last) < E164.Digits(first))
            errors.Add(new(NumberField, $"'{last}' is below first '{first}'"));
        return (first, last, errors);
    }

    /// <summary>Assigns <paramref name="first"/>..<paramref name="last"/> (checked by <see cref="Parse"/>) to
    /// <paramref name="pbxId"/>: new, moved from another PBX, or nothing to do when it is that PBX's already.</summary>
    public static ProvisioningPlan Assign(ProvisioningState state, DidRangeIndex index, string first, string last, string? pbxId, Instant now)
    {
        var errors = new List<ProvisioningError>();
        var rangeId = ProvisioningStreams.RangeId(first, last);
        PbxState? pbx = null;
        if (string.IsNullOrEmpty(pbxId)) errors.Add(new(PbxField, "names no PBX"));
        else if (!state.Pbxs.TryGetValue(pbxId, out pbx))
            errors.Add(new(PbxField, $"PBX '{ProvisioningValidator.Shorten(pbxId)}' is not provisioned"));

        // The same range (by id) is being moved; any other range sharing a number is an overlap, as in a document.
        foreach (var other in index.Overlapping(first, last))
            if (other.RangeId != rangeId)
                errors.Add(new(NumberField, $"overlaps {other.RangeId} (PBX '{other.PbxId}' of tenant '{other.TenantId}'): unassign it first"));
        foreach (var access in InRange(state.CardAccessNumbers, first, last))
            errors.Add(new(NumberField, $"{access} is a calling-card access number: an access number cannot ring a PBX too"));
        state.DidRanges.TryGetValue(rangeId, out var current);
        if (pbx is not null && current is not null && current.TenantId != pbx.TenantId)
            foreach (var fwd in InRange(state.Forwards, first, last))
                errors.Add(new(NumberField, $"{fwd.Did} is forwarded (to {fwd.To}) by tenant '{fwd.TenantId}': it would no longer be a DID of that " +
                                            $"tenant; clear the forward first"));
        if (errors.Count > 0 || pbx is null) return new(errors, []);

        if (current is not null && current.PbxId == pbx.Id && current.TenantId == pbx.TenantId) return new([], []);
        var stream = ProvisioningStreams.DidRange(rangeId);
        var changes = new List<ProvisioningChange>(2);
        if (current is not null) changes.Add(new(stream, new DidRangeReleased(rangeId, current.TenantId, current.PbxId, now)));
        changes.Add(new(stream, new DidRangeAssigned(rangeId, pbx.TenantId, pbx.Id, first, last, now)));
        return new([], changes);
    }

    /// <summary>Unassigns the range <paramref name="first"/>..<paramref name="last"/> (exactly as assigned).</summary>
    public static ProvisioningPlan Unassign(ProvisioningState state, DidRangeIndex index, string first, string last, Instant now)
    {
        var rangeId = ProvisioningStreams.RangeId(first, last);
        if (!state.DidRanges.TryGetValue(rangeId, out var current))
        {
            var part = index.Overlapping(first, last);
            var hint = part.Count == 0 ? "" : $"; it is part of {string.Join(", ", part.Select(r => r.RangeId))}: unassign ranges as they were assigned";
            return new([new(NumberField, $"{rangeId} is not an assigned DID range{hint}")], [], NotFound: true);
        }
        var errors = InRange(state.Forwards, first, last)
            .Select(fwd => new ProvisioningError(NumberField,
                $"{fwd.Did} is forwarded (to {fwd.To}) by tenant '{fwd.TenantId}': it would no longer be a DID of that tenant; clear the forward first"))
            .ToList();
        if (errors.Count > 0) return new(errors, []);
        return new([], [new(ProvisioningStreams.DidRange(rangeId), new DidRangeReleased(rangeId, current.TenantId, current.PbxId, now))]);
    }

    /// <summary>The access numbers in first..last: a sorted set's view between the two (same length keeps ordinal order).</summary>
    private static IEnumerable<string> InRange(System.Collections.Immutable.ImmutableSortedSet<string> numbers, string first, string last) =>
        numbers.Count == 0 ? [] : numbers.Where(n => n.Length == first.Length && string.CompareOrdinal(n, first) >= 0 && string.CompareOrdinal(n, last) <= 0);

    private static IEnumerable<ForwardState> InRange(System.Collections.Immutable.ImmutableSortedDictionary<string, ForwardState> forwards, string first, string last) =>
        forwards.Count == 0 ? [] : first == last
            ? (forwards.TryGetValue(first, out var one) ? [one] : [])
            : forwards.Values.Where(f => f.Did.Length == first.Length && string.CompareOrdinal(f.Did, first) >= 0 && string.CompareOrdinal(f.Did, last) <= 0);
}
