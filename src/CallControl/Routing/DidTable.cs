using CallControl.Provisioning;

namespace CallControl.Routing;

/// <summary>
/// Every DID range of the cloud, sorted by (digit count, first number) and cut into shards of about a
/// thousand entries: a two-level binary search finds the range that holds a number without allocating.
/// Immutable and persistent: <see cref="With"/> copies only the shards a change lands in (and the small
/// array of shard heads), so reassigning a DID on a cloud of a million costs a few tens of kilobytes,
/// not a new table. Ranges are disjoint (validation); singles are ranges of one. The owner PBX is not
/// stored here but looked up by id when a number is found, so a PBX change leaves this table alone.
/// </summary>
internal sealed class DidTable
{
    internal readonly struct Entry(long first, long last, DidRangeState range)
    {
        /// <summary>(digit count, first number) as one sortable key.</summary>
        public readonly long First = first;
        public readonly long Last = last;
        public readonly DidRangeState Range = range;
    }

    public const int DefaultShardSize = 1024;
    private const long LengthUnit = 10_000_000_000_000_000; // 10^16: above any 15-digit number

    private readonly Entry[][] _shards;  // each non-empty and sorted by First; shard i's entries all come before shard i+1's
    private readonly long[] _heads;      // First of each shard's first entry
    private readonly int _shardSize;

    public int Count { get; }

    private DidTable(Entry[][] shards, long[] heads, int shardSize, int count)
    {
        _shards = shards;
        _heads = heads;
        _shardSize = shardSize;
        Count = count;
    }

    /// <summary>A table of these ranges; ranges whose numbers are not E.164 are left out.</summary>
    public static DidTable Build(IEnumerable<DidRangeState> ranges, int shardSize = DefaultShardSize)
    {
        var entries = new List<Entry>();
        foreach (var r in ranges)
            if (TryEntry(r, out var entry)) entries.Add(entry);
        var sorted = entries.ToArray();
        Array.Sort(sorted, static (a, b) => a.First.CompareTo(b.First));
        return FromSorted(sorted, shardSize);
    }

    private static DidTable FromSorted(ReadOnlySpan<Entry> sorted, int shardSize)
    {
        var count = (sorted.Length + shardSize - 1) / shardSize;
        var shards = new Entry[count][];
        var heads = new long[count];
        for (var i = 0; i < count; i++)
        {
            shards[i] = sorted.Slice(i * shardSize, Math.Min(shardSize, sorted.Length - i * shardSize)).ToArray();
            heads[i] = shards[i][0].First;
        }
        return new DidTable(shards, heads, shardSize, sorted.Length);
    }

    private static bool TryEntry(DidRangeState r, out Entry entry)
    {
        entry = default;
        if (!E164.IsValid(r.First) || !E164.IsValid(r.Last)) return false;
        var length = r.First.Length * LengthUnit;
        entry = new Entry(length + E164.Digits(r.First), length + E164.Digits(r.Last), r);
        return true;
    }

    /// <summary>
    /// This table with <paramref name="removed"/> taken out and <paramref name="added"/> put in (removals
    /// first, matched by value). Only the shards they land in are copied; a shard that grows past twice its
    /// size is split, one that empties is dropped.
    /// </summary>
    public DidTable With(IEnumerable<DidRangeState> removed, IEnumerable<DidRangeState> added)
    {
        var changed = new Dictionary<int, List<Entry>>(); // shard index -> its new entries
        var appended = new List<Entry>();                 // ranges for an empty table
        List<Entry>? Shard(long key)
        {
            if (_shards.Length == 0) return null;
            var i = ShardOf(key);
            if (i < 0) i = 0; // before the first head: the first shard takes it
            if (!changed.TryGetValue(i, out var list)) changed[i] = list = [.. _shards[i]];
            return list;
        }

        var count = Count;
        foreach (var r in removed)
        {
            if (!TryEntry(r, out var entry) || Shard(entry.First) is not { } list) continue;
            var at = list.FindIndex(e => e.First == entry.First && e.Last == entry.Last && Equals(e.Range, r));
            if (at < 0) continue;
            list.RemoveAt(at);
            count--;
        }
        foreach (var r in added)
        {
            if (!TryEntry(r, out var entry)) continue;
            var list = Shard(entry.First) ?? appended;
            var at = list.FindLastIndex(e => e.First <= entry.First) + 1; // after equal keys, as a stable sort would put it
            list.Insert(at, entry);
            count++;
        }
        if (changed.Count == 0 && appended.Count == 0) return this;
        if (_shards.Length == 0) return FromSorted(appended.ToArray(), _shardSize);

        var shards = new List<Entry[]>(_shards.Length + changed.Count);
        for (var i = 0; i < _shards.Length; i++)
        {
            if (!changed.TryGetValue(i, out var list))
            {
                shards.Add(_shards[i]);
                continue;
            }
            var pieces = list.Count > 2 * _shardSize ? (list.Count + _shardSize - 1) / _shardSize : 1;
            for (var p = 0; p < pieces && list.Count > 0; p++)
            {
                var from = list.Count * p / pieces;
                var to = list.Count * (p + 1) / pieces;
                shards.Add(list.GetRange(from, to - from).ToArray());
            }
        }
        return new DidTable(shards.ToArray(), shards.Select(s => s[0].First).ToArray(), _shardSize, count);
    }

    /// <summary>The range that holds the number, or null.</summary>
    public DidRangeState? Find(ReadOnlySpan<char> e164)
    {
        if (!E164.IsValid(e164) || _shards.Length == 0) return null;
        var key = e164.Length * LengthUnit + E164.Digits(e164);
        var s = ShardOf(key);
        if (s < 0) return null;
        var shard = _shards[s];
        int lo = 0, hi = shard.Length - 1;
        while (lo < hi) // the last entry whose First <= key (the shard's first entry is one)
        {
            var mid = (lo + hi + 1) >>> 1;
            if (shard[mid].First <= key) lo = mid; else hi = mid - 1;
        }
        ref readonly var entry = ref shard[lo];
        return key <= entry.Last ? entry.Range : null;
    }

    /// <summary>
    /// The ranges that share a number with <paramref name="first"/>..<paramref name="last"/> (E.164, same length,
    /// in order), in table order. Ranges are disjoint, so these are the one that starts before <paramref name="first"/>
    /// and reaches it, if any, and those that start inside: log n + what is found, not a scan.
    /// </summary>
    public List<DidRangeState> Overlapping(string first, string last)
    {
        var found = new List<DidRangeState>();
        if (_shards.Length == 0 || !E164.IsValid(first) || !E164.IsValid(last) || first.Length != last.Length) return found;
        var lo = first.Length * LengthUnit + E164.Digits(first);
        var hi = first.Length * LengthUnit + E164.Digits(last);
        var s = ShardOf(lo);
        var i = 0; // lo is before every entry: start at the first
        if (s >= 0)
        {
            var shard = _shards[s];
            int a = 0, b = shard.Length - 1;
            while (a < b) // the last entry whose First <= lo (the shard's first entry is one)
            {
                var mid = (a + b + 1) >>> 1;
                if (shard[mid].First <= lo) a = mid; else b = mid - 1;
            }
            i = a;
        }
        else s = 0;
        for (; s < _shards.Length; s++, i = 0)
            for (; i < _shards[s].Length; i++)
            {
                ref readonly var e = ref _shards[s][i];
                if (e.First > hi) return found;
                if (e.Last >= lo) found.Add(e.Range);
            }
        return found;
    }

    /// <summary>Index of the last shard whose head is at or below <paramref name="key"/>; -1 if none.</summary>
    private int ShardOf(long key)
    {
        int lo = 0, hi = _heads.Length - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_heads[mid] <= key)
            {
                found = mid;
                lo = mid + 1;
            }
            else hi = mid - 1;
        }
        return found;
    }

    /// <summary>Every entry in order (tests compare an incrementally built table with a fresh one).</summary>
    internal IEnumerable<Entry> Entries => _shards.SelectMany(s => s);

    internal IReadOnlyList<Entry[]> Shards => _shards;
}
