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
/// LCR rules by E.164 prefix for longest-prefix match. Keyed by (prefix digits, prefix length): a lookup
/// probes at most 16 keys (only lengths that exist) and allocates nothing. The keys are spread by hash over
/// <see cref="ShardCount"/> small hash tables, and the table is persistent like <see cref="DidTable"/>:
/// <see cref="With"/> copies only the shards whose prefixes a change touches (a few hundred keys each on a
/// table of a hundred thousand), the others are shared with the table it came from. Rules on one prefix are
/// kept in the order of their ids (the state's order), so a table changed step by step equals a fresh build.
/// </summary>
internal sealed class LcrTable
{
    public const int ShardCount = 256;
    private static readonly long[] Pow10 = Enumerable.Range(0, 19).Select(i => (long)Math.Pow(10, i)).ToArray();

    private readonly Dictionary<long, LcrEntry[]>[] _shards;
    private readonly int[] _rulesPerLength; // index = prefix digit count (0..15)
    private readonly int _lengthMask;       // bit n set when some rule has an n-digit prefix
    // Compiled time windows by their text, shared between rules and with the tables built from this one.
    // Never changed once the table exists: a change that brings a new window copies it.
    private readonly Dictionary<string, LcrTimeWindow> _windows;

    public int Count { get; }

    private LcrTable(Dictionary<long, LcrEntry[]>[] shards, int[] rulesPerLength, Dictionary<string, LcrTimeWindow> windows, int count)
    {
        _shards = shards;
        _rulesPerLength = rulesPerLength;
        _windows = windows;
        Count = count;
        for (var length = 0; length < rulesPerLength.Length; length++)
            if (rulesPerLength[length] > 0) _lengthMask |= 1 << length;
    }

    /// <summary>The table of every rule with a valid prefix, in the order given (the state's id order);
    /// time windows are compiled once per distinct window.</summary>
    public static LcrTable Build(IEnumerable<LcrRuleState> rules)
    {
        var windows = new Dictionary<string, LcrTimeWindow>();
        var grouped = new Dictionary<long, List<LcrEntry>>();
        var perLength = new int[16];
        var count = 0;
        foreach (var rule in rules)
        {
            if (!E164.IsValidPrefix(rule.Prefix)) continue;
            var key = KeyOf(rule.Prefix);
            if (!grouped.TryGetValue(key, out var list)) grouped[key] = list = [];
            list.Add(Compile(rule, windows));
            perLength[rule.Prefix.Length - 1]++;
            count++;
        }
        var shards = new Dictionary<long, LcrEntry[]>[ShardCount];
        for (var s = 0; s < ShardCount; s++) shards[s] = new Dictionary<long, LcrEntry[]>(grouped.Count / ShardCount + 1);
        foreach (var (key, list) in grouped) shards[ShardOf(key)][key] = list.ToArray();
        return new LcrTable(shards, perLength, windows, count);
    }

    /// <summary>
    /// This table with the rules <paramref name="removed"/> (as they were) taken out and <paramref name="added"/>
    /// put in, each on its prefix in <paramref name="idOrder"/> (the comparer of the state's rule ids). Only the
    /// shards of the touched prefixes are copied.
    /// </summary>
    public LcrTable With(IEnumerable<LcrRuleState> removed, IEnumerable<LcrRuleState> added, IComparer<string> idOrder)
    {
        var shards = (Dictionary<long, LcrEntry[]>[])_shards.Clone();
        var copied = new bool[ShardCount];
        var perLength = (int[])_rulesPerLength.Clone();
        var windows = _windows;
        var count = Count;
        var changed = false;
        Dictionary<long, LcrEntry[]> Shard(long key)
        {
            var s = ShardOf(key);
            if (!copied[s])
            {
                shards[s] = new Dictionary<long, LcrEntry[]>(shards[s]);
                copied[s] = true;
            }
            return shards[s];
        }

        foreach (var rule in removed)
        {
            if (!E164.IsValidPrefix(rule.Prefix)) continue;
            var key = KeyOf(rule.Prefix);
            if (!_shards[ShardOf(key)].ContainsKey(key)) continue; // not in the table: nothing to copy
            var shard = Shard(key);
            if (!shard.TryGetValue(key, out var rules)) continue;
            var at = Array.FindIndex(rules, r => r.Id == rule.Id);
            if (at < 0) continue;
            if (rules.Length == 1) shard.Remove(key);
            else shard[key] = [.. rules.AsSpan(0, at), .. rules.AsSpan(at + 1)];
            perLength[rule.Prefix.Length - 1]--;
            count--;
            changed = true;
        }
        foreach (var rule in added)
        {
            if (!E164.IsValidPrefix(rule.Prefix)) continue;
            if (rule.Window is { } w && ReferenceEquals(windows, _windows) && !windows.ContainsKey(WindowKey(w)))
                windows = new Dictionary<string, LcrTimeWindow>(_windows);
            var entry = Compile(rule, windows);
            var key = KeyOf(rule.Prefix);
            var shard = Shard(key);
            if (!shard.TryGetValue(key, out var rules)) rules = [];
            var at = 0;
            while (at < rules.Length && idOrder.Compare(rules[at].Id, rule.Id) < 0) at++;
            shard[key] = [.. rules.AsSpan(0, at), entry, .. rules.AsSpan(at)];
            perLength[rule.Prefix.Length - 1]++;
            count++;
            changed = true;
        }
        return changed ? new LcrTable(shards, perLength, windows, count) : this;
    }

    private static LcrEntry Compile(LcrRuleState rule, Dictionary<string, LcrTimeWindow> windows) =>
        new(rule.Id, rule.Prefix, rule.Window is { } w ? Window(windows, w) : null, rule.Carriers.OrderBy(c => c.Priority).ToArray());

    private static LcrTimeWindow Window(Dictionary<string, LcrTimeWindow> compiled, TimeWindow w)
    {
        var key = WindowKey(w);
        if (!compiled.TryGetValue(key, out var window)) compiled[key] = window = new LcrTimeWindow(w);
        return window;
    }

    private static string WindowKey(TimeWindow w) => $"{string.Join(',', w.Days)}|{w.From}|{w.To}|{w.Zone}";

    /// <summary>Every rule, in key order (tests compare tables).</summary>
    internal IEnumerable<LcrEntry> Entries => _shards.SelectMany(s => s).OrderBy(kv => kv.Key).SelectMany(kv => kv.Value);

    /// <summary>The shard tables (tests check which ones two tables share).</summary>
    internal IReadOnlyList<object> Shards => _shards;

    private static long KeyOf(string prefix) => Key(E164.PrefixDigits(prefix), prefix.Length - 1);

    private static long Key(long digits, int length) => (digits << 4) | (long)length;

    /// <summary>Fibonacci hashing: the top 8 bits of the key times 2^64/φ spread neighbouring prefixes over the shards.</summary>
    private static int ShardOf(long key) => (int)(((ulong)key * 0x9E3779B97F4A7C15UL) >> 56);

    /// <summary>The rules on the longest prefix of <paramref name="e164"/> at or below <paramref name="maxLength"/> digits
    /// (null if none); <paramref name="length"/> is that prefix's digit count, so the caller can go on shorter.</summary>
    public LcrEntry[]? Longest(ReadOnlySpan<char> e164, int maxLength, out int length)
    {
        var digits = E164.Digits(e164);
        var count = e164.Length - 1;
        for (length = Math.Min(maxLength, count); length >= 0; length--)
        {
            if ((_lengthMask & (1 << length)) == 0) continue;
            var key = Key(digits / Pow10[count - length], length);
            if (_shards[ShardOf(key)].TryGetValue(key, out var rules)) return rules;
        }
        return null;
    }
}
