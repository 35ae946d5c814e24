using CallControl.Provisioning;

namespace CallControl.Routing;

/// <summary>
/// The provisioned DID ranges sorted by number, for questions a single DID change asks ("which ranges share a
/// number with this one?") in log n rather than by a scan of every range. The routing snapshot hands out its own
/// DID table this way (always current, nothing built); a process without one builds it from the state.
/// </summary>
public sealed class DidRangeIndex
{
    private readonly DidTable _table;

    internal DidRangeIndex(DidTable table) => _table = table;

    public static DidRangeIndex Of(IEnumerable<DidRangeState> ranges) => new(DidTable.Build(ranges));

    public int Count => _table.Count;

    /// <summary>The ranges that share a number with <paramref name="first"/>..<paramref name="last"/> (E.164 numbers of
    /// equal length, first not above last), in number order.</summary>
    public IReadOnlyList<DidRangeState> Overlapping(string first, string last) => _table.Overlapping(first, last);
}
