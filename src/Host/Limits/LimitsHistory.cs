using CallControl.Projections.Cdrs;
using Marten;
using NodaTime;

namespace CallControl.Host.Limits;

/// <summary>One minute of a PBX's usage: the most concurrent calls and kbit/s at any instant in it, and the calls admitted in it.</summary>
public sealed record UsageMinute(Instant Minute, int PeakCalls, long PeakKbps, int NewCalls);

/// <summary>Usage of a PBX over a time range, per minute.</summary>
public sealed record UsageHistory(string Pbx, Instant From, Instant To, IReadOnlyList<UsageMinute> Minutes);

/// <summary>
/// Usage history derived from the CDRs (no separate usage stream: the call events are the truth). A call counts
/// from its INVITE to its end, per leg (a call between two extensions of one PBX counts twice, as admission does),
/// with the kbit/s it held at each moment: the offer's worst case from the INVITE, then what the answer and each
/// re-INVITE settled (<see cref="Cdr.KbpsSteps"/>). CDRs recorded before the steps existed count their peak for the
/// whole call (an upper bound).
/// </summary>
public static class LimitsHistory
{
    public static readonly Duration MaxRange = Duration.FromDays(7);

    public static async Task<UsageHistory> QueryAsync(IDocumentStore store, string pbx, Instant from, Instant to, Instant now, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        // Marten's LINQ cannot compare NodaTime instants; the CDR stores them as ISO 8601 text, which casts.
        var cdrs = await session.QueryAsync<Cdr>(
            "where (data ->> 'sourcePbxId' = ? or data ->> 'targetId' = ?) and (data ->> 'receivedAt')::timestamptz < ? " +
            "and (data ->> 'endedAt' is null or (data ->> 'endedAt')::timestamptz > ?)",
            ct, pbx, pbx, to.ToDateTimeOffset(), from.ToDateTimeOffset());
        return Compute(cdrs, pbx, from, to, now);
    }

    /// <summary>Pure: per minute from <paramref name="from"/> (rounded down to the minute) up to <paramref name="to"/>.
    /// Calls still open count until <paramref name="now"/>.</summary>
    public static UsageHistory Compute(IEnumerable<Cdr> cdrs, string pbx, Instant from, Instant to, Instant now)
    {
        var start = Instant.FromUnixTimeSeconds(from.ToUnixTimeSeconds() / 60 * 60);
        // Change points: (instant, calls delta, kbps delta); ends sort before starts at the same instant.
        var changes = new List<(Instant At, int Calls, long Kbps)>();
        var admissions = new List<Instant>();
        foreach (var cdr in cdrs)
        {
            if (cdr.Kbps is null) continue; // never admitted (rejected before or by the limits)
            int legs = (cdr.LimitSource?.PbxId == pbx ? 1 : 0) + (cdr.LimitTarget?.PbxId == pbx ? 1 : 0);
            if (legs == 0) continue;
            var end = cdr.EndedAt ?? now;
            if (end <= cdr.ReceivedAt) continue;
            if (cdr.KbpsSteps.Count == 0)
            {
                long kbps = (long)legs * (cdr.PeakKbps ?? cdr.Kbps.Value);
                changes.Add((cdr.ReceivedAt, legs, kbps));
                changes.Add((end, -legs, -kbps));
            }
            else
            {
                // The first step counts from the INVITE; a later one from its instant (never past the end).
                long held = (long)legs * cdr.KbpsSteps[0].Kbps;
                changes.Add((cdr.ReceivedAt, legs, held));
                foreach (var step in cdr.KbpsSteps.Skip(1))
                {
                    if (step.At >= end) break;
                    long next = (long)legs * step.Kbps;
                    changes.Add((Max(step.At, cdr.ReceivedAt), 0, next - held));
                    held = next;
                }
                changes.Add((end, -legs, -held));
            }
            for (var i = 0; i < legs; i++) admissions.Add(cdr.ReceivedAt);
        }
        changes.Sort((a, b) => a.At != b.At ? a.At.CompareTo(b.At) : a.Calls != b.Calls ? a.Calls.CompareTo(b.Calls) : a.Kbps.CompareTo(b.Kbps));
        admissions.Sort();

        var minutes = new List<UsageMinute>();
        int calls = 0, c = 0, a = 0;
        long kbpsNow = 0;
        // Fold everything before the first minute into the running totals.
        for (; c < changes.Count && changes[c].At < start; c++)
        {
            calls += changes[c].Calls;
            kbpsNow += changes[c].Kbps;
        }
        while (a < admissions.Count && admissions[a] < start) a++;
        for (var minute = start; minute < to; minute += Duration.FromMinutes(1))
        {
            var next = minute + Duration.FromMinutes(1);
            int peakCalls = calls;
            long peakKbps = kbpsNow;
            for (; c < changes.Count && changes[c].At < next; c++)
            {
                calls += changes[c].Calls;
                kbpsNow += changes[c].Kbps;
                peakCalls = Math.Max(peakCalls, calls);
                peakKbps = Math.Max(peakKbps, kbpsNow);
            }
            int admitted = 0;
            for (; a < admissions.Count && admissions[a] < next; a++) admitted++;
            minutes.Add(new UsageMinute(minute, peakCalls, peakKbps, admitted));
        }
        return new UsageHistory(pbx, from, to, minutes);
    }

    private static Instant Max(Instant a, Instant b) => a > b ? a : b;
}
