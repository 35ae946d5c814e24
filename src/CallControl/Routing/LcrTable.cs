using CallControl.Provisioning;

namespace CallControl.Routing;

/// <summary>A gateway as the router needs it to build a forward target.</summary>
internal sealed record GatewayInfo(GatewayTarget Target, GatewayOptions Options, string HostPort);

internal sealed record CarrierInfo(string Id, bool Weighted, (GatewayInfo Gateway, int Weight)[] Members)
{
    /// <summary>The members in list order (the failover order of an ordered carrier).</summary>
    public GatewayInfo[] Gateways { get; } = Members.Select(m => m.Gateway).ToArray();
}

/// <summary>An LCR rule compiled for a snapshot: carriers sorted by priority (stable). They are named, not
/// resolved: the router looks them up in the snapshot's carriers, so a carrier or gateway change does not
/// rebuild a table of a hundred thousand rules; a carrier that does not exist is passed over.</summary>
internal sealed record LcrEntry(string Id, string Prefix, LcrTimeWindow? Window, LcrCarrier[] Carriers);

/// <summary>
/// LCR rules by E.164 prefix for longest-prefix match. Keyed by (prefix digits, prefix length) in one
/// hash table: a lookup probes at most 16 keys (only lengths that exist) and allocates nothing.
/// </summary>
internal sealed class LcrTable
{
    private static readonly long[] Pow10 = Enumerable.Range(0, 19).Select(i => (long)Math.Pow(10, i)).ToArray();

    private readonly Dictionary<long, LcrEntry[]> _byPrefix;
    private readonly int _lengthMask;

    public int Count { get; }

    /// <summary>The table of every rule with a valid prefix; time windows are compiled once per distinct window.</summary>
    public static LcrTable Build(IEnumerable<LcrRuleState> rules)
    {
        var windows = new Dictionary<string, LcrTimeWindow>(); // share compiled windows between rules
        return new LcrTable(rules
            .Where(r => E164.IsValidPrefix(r.Prefix))
            .Select(r => new LcrEntry(r.Id, r.Prefix, r.Window is { } w ? Window(windows, w) : null,
                r.Carriers.OrderBy(c => c.Priority).ToArray())));
    }

    private static LcrTimeWindow Window(Dictionary<string, LcrTimeWindow> compiled, TimeWindow w)
    {
        var key = $"{string.Join(',', w.Days)}|{w.From}|{w.To}|{w.Zone}";
        if (!compiled.TryGetValue(key, out var window)) compiled[key] = window = new LcrTimeWindow(w);
        return window;
    }

    public LcrTable(IEnumerable<LcrEntry> rules)
    {
        _byPrefix = new Dictionary<long, LcrEntry[]>();
        var grouped = new Dictionary<long, List<LcrEntry>>();
        foreach (var rule in rules)
        {
            var length = rule.Prefix.Length - 1;
            var key = Key(E164.PrefixDigits(rule.Prefix), length);
            if (!grouped.TryGetValue(key, out var list)) grouped[key] = list = [];
            list.Add(rule);
            _lengthMask |= 1 << length;
            Count++;
        }
        _byPrefix.EnsureCapacity(grouped.Count);
        foreach (var (key, list) in grouped) _byPrefix[key] = list.ToArray();
    }

    /// <summary>Every rule, in key order (tests compare tables).</summary>
    internal IEnumerable<LcrEntry> Entries => _byPrefix.OrderBy(kv => kv.Key).SelectMany(kv => kv.Value);

    private static long Key(long digits, int length) => (digits << 4) | (long)length;

    /// <summary>The rules on the longest prefix of <paramref name="e164"/> at or below <paramref name="maxLength"/> digits
    /// (null if none); <paramref name="length"/> is that prefix's digit count, so the caller can go on shorter.</summary>
    public LcrEntry[]? Longest(ReadOnlySpan<char> e164, int maxLength, out int length)
    {
        var digits = E164.Digits(e164);
        var count = e164.Length - 1;
        for (length = Math.Min(maxLength, count); length >= 0; length--)
        {
            if ((_lengthMask & (1 << length)) == 0) continue;
            if (_byPrefix.TryGetValue(Key(digits / Pow10[count - length], length), out var rules)) return rules;
        }
        return null;
    }
}
