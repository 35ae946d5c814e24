using CallControl.Provisioning;

namespace CallControl.Routing;

/// <summary>
/// Every DID range of the cloud in one array sorted by (digit count, first number): a binary search
/// finds the owner of a number without allocating. Ranges are disjoint (validation); singles are
/// ranges of one. 1M entries take about 32 MB.
/// </summary>
internal sealed class DidTable
{
    internal readonly struct Entry(long first, long last, int length, int owner, DidRangeState range)
    {
        public readonly long First = first;
        public readonly long Last = last;
        public readonly int Length = length;
        public readonly int Owner = owner;
        public readonly DidRangeState Range = range;
    }

    private readonly Entry[] _entries;

    public int Count => _entries.Length;

    public DidTable(IEnumerable<DidRangeState> ranges, Func<string, int> ownerIndex)
    {
        var list = new List<Entry>();
        foreach (var r in ranges)
        {
            var owner = ownerIndex(r.PbxId);
            if (owner < 0 || !E164.IsValid(r.First) || !E164.IsValid(r.Last)) continue;
            list.Add(new Entry(E164.Digits(r.First), E164.Digits(r.Last), r.First.Length, owner, r));
        }
        _entries = list.ToArray();
        Array.Sort(_entries, static (a, b) => a.Length != b.Length ? a.Length.CompareTo(b.Length) : a.First.CompareTo(b.First));
    }

    /// <summary>Index of the entry whose range holds the number, or -1.</summary>
    public int Find(ReadOnlySpan<char> e164)
    {
        if (!E164.IsValid(e164)) return -1;
        var digits = E164.Digits(e164);
        int length = e164.Length, lo = 0, hi = _entries.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            ref readonly var entry = ref _entries[mid];
            var cmp = entry.Length != length ? entry.Length.CompareTo(length)
                : digits < entry.First ? 1 : digits > entry.Last ? -1 : 0;
            if (cmp == 0) return mid;
            if (cmp < 0) lo = mid + 1; else hi = mid - 1;
        }
        return -1;
    }

    public ref readonly Entry this[int index] => ref _entries[index];
}
