using CallControl.Provisioning;
using CallControl.Routing;
using CsCheck;
using Shouldly;
using Xunit;

namespace CallControl.Tests.Routing;

/// <summary>The sharded DID table under random assign/release with tiny shards (so shards split and empty):
/// after every step it holds what a fresh build holds, and finds (numbers, overlapping ranges) what a scan finds.</summary>
public class DidTablePropertyTests
{
    [Fact]
    public void Changes_applied_shard_by_shard_equal_a_fresh_build()
    {
        // Slot s is the numbers +3120000s00..+3120000s0(len-1) (disjoint); an op assigns (to a PBX) or releases a slot.
        var op = Gen.Select(Gen.Int[0, 199], Gen.Int[1, 9], Gen.Int[-1, 2], (slot, len, pbx) => (slot, len, pbx));
        var gen = op.Array[1, 40].Array[1, 12];

        gen.Sample(batches =>
        {
            var model = new Dictionary<int, DidRangeState>();
            var table = DidTable.Build([], shardSize: 4);
            foreach (var batch in batches)
            {
                var before = new Dictionary<int, DidRangeState>(model);
                foreach (var (slot, len, pbx) in batch)
                {
                    model.Remove(slot);
                    if (pbx < 0) continue;
                    var first = 31_200_000_000L + slot * 100;
                    model[slot] = new DidRangeState($"r{slot}", "t", $"p{pbx}", $"+{first}", $"+{first + len - 1}");
                }
                // The net change of the batch, as the snapshot computes it from the states before and after.
                var removed = before.Where(kv => !model.TryGetValue(kv.Key, out var now) || !ReferenceEquals(now, kv.Value)).Select(kv => kv.Value);
                var added = model.Where(kv => !before.TryGetValue(kv.Key, out var was) || !ReferenceEquals(was, kv.Value)).Select(kv => kv.Value);
                table = table.With(removed.ToList(), added.ToList());

                var fresh = DidTable.Build(model.Values, shardSize: 4);
                table.Entries.Select(e => e.Range).ShouldBe(fresh.Entries.Select(e => e.Range));
                table.Count.ShouldBe(model.Count);
                table.Shards.Count(s => s.Length == 0 || s.Length > 8).ShouldBe(0);
                var owner = model.Values.SelectMany(r => Numbers(r).Select(n => (n, r))).ToDictionary(x => x.n, x => x.r);
                var wrong = new List<string>();
                for (var n = 31_200_000_000L - 5; n < 31_200_000_000L + 200 * 100 + 5; n += 3)
                    if (!ReferenceEquals(table.Find($"+{n}"), owner.GetValueOrDefault(n))) wrong.Add($"+{n}");
                wrong.ShouldBeEmpty();

                // Overlapping (what a single DID change is checked with) finds what a scan finds, across shard boundaries.
                for (var lo = 31_200_000_000L - 150; lo < 31_200_000_000L + 200 * 100; lo += 937)
                foreach (var width in new[] { 0L, 5, 140, 2_000 })
                {
                    var scan = model.Values.Where(r => long.Parse(r.First[1..]) <= lo + width && long.Parse(r.Last[1..]) >= lo)
                        .OrderBy(r => long.Parse(r.First[1..])).ToList();
                    table.Overlapping($"+{lo}", $"+{lo + width}").ShouldBe(scan, $"+{lo}..+{lo + width}");
                }
            }
        }, iter: 100);
    }

    private static IEnumerable<long> Numbers(DidRangeState r)
    {
        for (var n = long.Parse(r.First[1..]); n <= long.Parse(r.Last[1..]); n++) yield return n;
    }
}
