using CallControl.Billing.Tariffs;
using NodaTime;

namespace CallControl.Billing.Rating;

/// <summary>An entry of a plan bound to one prefix, in precedence order within its trie node.</summary>
internal sealed record CompiledBinding(
    int Index,
    string DestinationId,
    string Prefix,
    CompiledRate Rate,
    CompiledTiming Timing,
    decimal Weight);

/// <summary>
/// One tariff plan version ready for rating: a digit trie over prefixes (longest match wins), and per node the
/// entries in precedence order: holidays first, then higher weight, then later start time.
/// </summary>
internal sealed class CompiledPlan
{
    private const int NoNode = 0; // the root is never a child, so 0 marks "no child"

    private readonly int[] _children;      // node * 10 + digit -> child node
    private readonly int[] _nodeFirst;     // node -> first binding index, -1 if none
    private readonly int[] _nodeCount;
    private readonly long[][] _nodeBoundaries; // node -> sorted distinct start times (ms of day) > 0
    private readonly CompiledBinding[] _bindings;

    public CompiledPlan(string planId, int version, TariffPlanDefinition definition)
    {
        PlanId = planId;
        Version = version;
        Currency = definition.Currency;
        Zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(definition.TimeZoneId)
            ?? throw new TariffDefinitionException(planId, "time zone", $"unknown TZDB zone '{definition.TimeZoneId}'");

        var destinations = new Dictionary<string, DestinationDefinition>(StringComparer.Ordinal);
        foreach (var d in definition.Destinations)
        {
            destinations[d.Id] = d;
        }
        var rates = new Dictionary<string, RateDefinition>(StringComparer.Ordinal);
        foreach (var r in definition.Rates)
        {
            rates[r.Id] = r;
        }
        var destinationRates = new Dictionary<string, DestinationRateDefinition>(StringComparer.Ordinal);
        foreach (var dr in definition.DestinationRates)
        {
            destinationRates[dr.Id] = dr;
        }
        var timings = new Dictionary<string, CompiledTiming>(StringComparer.Ordinal);
        foreach (var t in definition.Timings)
        {
            timings[t.Id] = new CompiledTiming(t, planId);
        }
        var compiledRates = new Dictionary<string, CompiledRate>(StringComparer.Ordinal);

        // prefix -> bindings in entry order
        var byPrefix = new Dictionary<string, List<(string DestinationId, CompiledRate Rate, CompiledTiming Timing, decimal Weight, int Order)>>(StringComparer.Ordinal);
        var order = 0;
        foreach (var entry in definition.Entries)
        {
            if (!destinationRates.TryGetValue(entry.DestinationRateId, out var dr))
            {
                throw new TariffDefinitionException(planId, $"entry '{entry.DestinationRateId}'", "unknown destination rate");
            }
            if (!timings.TryGetValue(entry.TimingId, out var timing))
            {
                if (!TariffConventions.IsAlwaysTiming(entry.TimingId))
                {
                    throw new TariffDefinitionException(planId, $"entry '{entry.DestinationRateId}'", $"unknown timing '{entry.TimingId}'");
                }
                timing = new CompiledTiming(TimingDefinition.Always(entry.TimingId), planId);
                timings[entry.TimingId] = timing;
            }
            if (!compiledRates.TryGetValue(dr.Id, out var rate))
            {
                if (!rates.TryGetValue(dr.RateId, out var rateDefinition))
                {
                    throw new TariffDefinitionException(planId, $"destination rate '{dr.Id}'", $"unknown rate '{dr.RateId}'");
                }
                rate = new CompiledRate(dr, rateDefinition, planId);
                compiledRates[dr.Id] = rate;
            }
            IReadOnlyList<string> prefixes;
            if (dr.DestinationId == TariffConventions.Any)
            {
                prefixes = [""];
            }
            else if (destinations.TryGetValue(dr.DestinationId, out var destination))
            {
                prefixes = destination.Prefixes;
            }
            else
            {
                throw new TariffDefinitionException(planId, $"destination rate '{dr.Id}'", $"unknown destination '{dr.DestinationId}'");
            }
            foreach (var prefix in prefixes)
            {
                if (!TariffConventions.IsDigits(prefix))
                {
                    throw new TariffDefinitionException(planId, $"destination '{dr.DestinationId}'", $"prefix '{prefix}' is not E.164 digits");
                }
                if (!byPrefix.TryGetValue(prefix, out var list))
                {
                    list = [];
                    byPrefix[prefix] = list;
                }
                list.Add((dr.DestinationId, rate, timing, entry.Weight, order++));
            }
        }

        // Build the trie.
        var children = new List<int>(new int[10]);
        var prefixOfNode = new List<string?> { null };
        foreach (var prefix in byPrefix.Keys)
        {
            var node = 0;
            foreach (var c in prefix)
            {
                var slot = node * 10 + (c - '0');
                if (children[slot] == NoNode)
                {
                    children[slot] = prefixOfNode.Count;
                    prefixOfNode.Add(null);
                    children.AddRange(new int[10]);
                }
                node = children[slot];
            }
            prefixOfNode[node] = prefix;
        }
        _children = [.. children];
        var nodeCount = prefixOfNode.Count;
        _nodeFirst = new int[nodeCount];
        _nodeCount = new int[nodeCount];
        _nodeBoundaries = new long[nodeCount][];
        var bindings = new List<CompiledBinding>();
        for (var node = 0; node < nodeCount; node++)
        {
            _nodeFirst[node] = -1;
            _nodeBoundaries[node] = [];
            var prefix = prefixOfNode[node];
            if (prefix is null)
            {
                continue;
            }
            var sorted = byPrefix[prefix]
                .OrderByDescending(b => b.Timing.IsHoliday)
                .ThenByDescending(b => b.Weight)
                .ThenByDescending(b => b.Timing.StartMs)
                .ThenBy(b => b.Order);
            _nodeFirst[node] = bindings.Count;
            foreach (var b in sorted)
            {
                bindings.Add(new CompiledBinding(bindings.Count, b.DestinationId, prefix, b.Rate, b.Timing, b.Weight));
            }
            _nodeCount[node] = bindings.Count - _nodeFirst[node];
            _nodeBoundaries[node] = [.. byPrefix[prefix].Select(b => b.Timing.StartMs).Where(ms => ms > 0).Distinct().Order()];
        }
        _bindings = [.. bindings];
    }

    public string PlanId { get; }
    public int Version { get; }
    public string Currency { get; }
    public DateTimeZone Zone { get; }

    public CompiledBinding Binding(int index) => _bindings[index];

    /// <summary>The deepest trie node with entries along <paramref name="digits"/>, or -1.</summary>
    public int Match(ReadOnlySpan<char> digits)
    {
        var node = 0;
        var best = _nodeFirst[0] >= 0 ? 0 : -1;
        foreach (var c in digits)
        {
            var next = _children[node * 10 + (c - '0')];
            if (next == NoNode)
            {
                break;
            }
            node = next;
            if (_nodeFirst[node] >= 0)
            {
                best = node;
            }
        }
        return best;
    }

    /// <summary>
    /// The entry of <paramref name="node"/> in force at <paramref name="at"/> (or null), and the first instant after
    /// <paramref name="at"/> at which that may change: the next start time of the node's timings, the next local
    /// midnight, or the next offset change of the zone, whichever comes first.
    /// </summary>
    public CompiledBinding? Select(int node, Instant at, out Instant changesAt)
    {
        var local = at.InZone(Zone).LocalDateTime;
        var date = local.Date;
        var msOfDay = local.TimeOfDay.TickOfDay / NodaConstants.TicksPerMillisecond;

        CompiledBinding? selected = null;
        var first = _nodeFirst[node];
        var end = first + _nodeCount[node];
        for (var i = first; i < end; i++)
        {
            var b = _bindings[i];
            if (b.Timing.StartMs <= msOfDay && b.Timing.Matches(date))
            {
                selected = b;
                break;
            }
        }

        var nextLocal = date.PlusDays(1).AtMidnight();
        foreach (var boundary in _nodeBoundaries[node])
        {
            if (boundary > msOfDay)
            {
                nextLocal = date.AtMidnight().PlusMilliseconds(boundary);
                break;
            }
        }
        // Map the local boundary with the offset in force now. If the offset changes before it, the change itself
        // comes first and is a boundary: the next step re-reads the wall clock (this handles skipped and repeated
        // local times without ZoneLocalMapping, which allocates).
        var interval = Zone.GetZoneInterval(at);
        changesAt = nextLocal.WithOffset(interval.WallOffset).ToInstant();
        if (interval.HasEnd && interval.End < changesAt)
        {
            changesAt = interval.End;
        }
        return selected;
    }
}
