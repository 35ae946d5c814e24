using System.Collections.Immutable;
using CallControl.Provisioning;
using CallControl.Routing;
using CsCheck;
using Shouldly;
using Xunit;

namespace CallControl.Tests.Routing;

/// <summary>The sharded LCR table under random rule sets and removals: after every batch, the table changed in
/// place of the touched shards holds what a fresh build of the same rules holds (same rules on the same prefixes,
/// in the same order) and answers every longest-prefix lookup the same.</summary>
public class LcrTablePropertyTests
{
    // Prefixes that nest (+4, +44, +4420...), share digits at different lengths (+1 / +10 / +100) and are invalid.
    private static readonly string[] Prefixes = ["+", "+1", "+10", "+100", "+1001", "+4", "+44", "+4420", "+44207", "+31", "+312", "+3120", "x9", "+0"];
    // Ids in mixed case and with punctuation, several on one prefix: the bucket keeps the state's id order.
    private static readonly string[] Ids = ["r0", "R1", "r-2", "r10", "a", "B", "b", "z9", "rule.x", "Rule_y"];
    private static readonly string[] Numbers = ["+12025550100", "+10012345", "+1001", "+442071234567", "+44207", "+4420", "+31201234567", "+3120", "+999"];
    private static readonly TimeWindow Office = new(["mon", "tue", "wed", "thu", "fri"], "08:00", "18:00", "Europe/Amsterdam");
    private static readonly TimeWindow Night = new(["sat", "sun"], "22:00", "06:00", "UTC");

    [Fact]
    public void Changes_applied_shard_by_shard_equal_a_fresh_build()
    {
        // (id, prefix, carrier, window; prefix -1 removes the rule)
        var op = Gen.Select(Gen.Int[0, Ids.Length - 1], Gen.Int[-1, Prefixes.Length - 1], Gen.Int[0, 3], Gen.Int[0, 2],
            (id, prefix, carrier, window) => (id, prefix, carrier, window));
        var gen = op.Array[1, 12].Array[1, 10];
        gen.Sample(batches =>
        {
            var state = ImmutableSortedDictionary<string, LcrRuleState>.Empty; // the fold's collection and comparer
            var table = LcrTable.Build([]);
            foreach (var batch in batches)
            {
                var before = state;
                foreach (var (id, prefix, carrier, window) in batch)
                {
                    state = prefix < 0 ? state.Remove(Ids[id]) : state.SetItem(Ids[id], new LcrRuleState(Ids[id], Prefixes[prefix],
                        [new LcrCarrier($"c{carrier}", 2), new LcrCarrier($"c{carrier + 1}", 1)], window switch { 1 => Office, 2 => Night, _ => null }));
                }
                var removed = before.Values.Where(r => !state.TryGetValue(r.Id, out var now) || !ReferenceEquals(now, r)).ToList();
                var added = state.Values.Where(r => !before.TryGetValue(r.Id, out var was) || !ReferenceEquals(was, r)).ToList();
                var previous = table;
                table = table.With(removed, added, state.KeyComparer);

                var fresh = LcrTable.Build(state.Values);
                Render(table.Entries).ShouldBe(Render(fresh.Entries));
                table.Count.ShouldBe(fresh.Count);
                foreach (var number in Numbers)
                    for (var max = 15; max >= 0; max--)
                    {
                        var got = table.Longest(number, max, out var gotLength);
                        var want = fresh.Longest(number, max, out var wantLength);
                        Render(got ?? []).ShouldBe(Render(want ?? []), $"{number} up to {max} digits");
                        if (want is not null) gotLength.ShouldBe(wantLength);
                    }
                if (removed.Count == 0 && added.Count == 0) table.ShouldBeSameAs(previous);
            }
        }, iter: 300);
    }

    [Fact]
    public void One_rule_changed_copies_only_its_shard()
    {
        var rules = Enumerable.Range(0, 10_000)
            .Select(i => new LcrRuleState($"r{i}", $"+1{i:0000}", [new LcrCarrier("c0", 1)], null))
            .ToImmutableSortedDictionary(r => r.Id, r => r);
        var table = LcrTable.Build(rules.Values);

        var was = rules["r4242"];
        var now = was with { Carriers = [new LcrCarrier("c9", 1)] };
        var next = table.With([was], [now], rules.KeyComparer);

        next.Longest("+142425550100", 15, out _)!.Single().Carriers.Single().CarrierId.ShouldBe("c9");
        table.Longest("+142425550100", 15, out _)!.Single().Carriers.Single().CarrierId.ShouldBe("c0"); // the old table is untouched
        next.Shards.Count(s => table.Shards.Any(t => ReferenceEquals(s, t))).ShouldBe(LcrTable.ShardCount - 1);
    }

    private static string Render(IEnumerable<LcrEntry> entries) => string.Join("\n",
        entries.Select(r => $"{r.Id} {r.Prefix} {r.Window} {string.Join(',', r.Carriers.Select(c => $"{c.CarrierId}@{c.Priority}"))}"));
}
