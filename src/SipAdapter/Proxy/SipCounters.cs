namespace CallControl.Sip.Proxy;

/// <summary>Thread-safe monotonically increasing counters of the SIP stack (rejections, drops, call outcomes).</summary>
public sealed class SipCounters
{
    private readonly long[] _values = new long[Enum.GetValues<SipCounter>().Length];

    public long this[SipCounter counter] => Interlocked.Read(ref _values[(int)counter]);

    public void Increment(SipCounter counter) => Interlocked.Increment(ref _values[(int)counter]);

    /// <summary>A copy of all values, e.g. for a metrics endpoint.</summary>
    public IReadOnlyDictionary<SipCounter, long> Snapshot()
    {
        var result = new Dictionary<SipCounter, long>();
        foreach (var c in Enum.GetValues<SipCounter>())
        {
            result[c] = this[c];
        }

        return result;
    }
}
