using CallControl.Provisioning;
using CallControl.Routing;
using CsCheck;
using NodaTime;
using Shouldly;
using Xunit;
using static CallControl.Tests.Routing.RoutingWorld;

namespace CallControl.Tests.Routing;

/// <summary>The compact tables answer like a naive scan of the provisioned data.</summary>
public class RoutingTablePropertyTests
{
    [Fact]
    public void Did_lookup_agrees_with_a_scan_of_disjoint_ranges()
    {
        // Disjoint ranges: start points on a coarse grid, lengths shorter than the grid step.
        var gen = Gen.Int[0, 5_000].HashSet[1, 60]
            .SelectMany(starts => Gen.Int[1, 9].Array[starts.Count].Select(lengths => (starts.OrderBy(s => s).ToArray(), lengths)))
            .SelectMany(x => Gen.Int[0, 50_000].Array[40].Select(probes => (x.Item1, x.lengths, probes)));

        gen.Sample(x =>
        {
            var (starts, lengths, probes) = x;
            var ranges = starts.Select((s, i) => (First: 31_200_000_000L + s * 10L, Last: 31_200_000_000L + s * 10L + lengths[i] - 1)).ToList();
            var doc = new ProvisioningDocument
            {
                Tenants = [new TenantSpec
                {
                    Id = "t", Pbxs = [new PbxSpec { Id = "p", Addresses = ["10.0.0.1"] }],
                    Dids = ranges.Select(r => new DidRangeSpec { First = $"+{r.First}", Last = r.Last == r.First ? null : $"+{r.Last}", Pbx = "p" }).ToList(),
                }],
            };
            var snapshot = new RoutingSnapshot(ProvisioningPlanner.Desired(doc));
            foreach (var p in probes)
            {
                var number = 31_200_000_000L + p;
                var expected = ranges.Any(r => number >= r.First && number <= r.Last);
                (snapshot.FindDid($"+{number}") is not null).ShouldBe(expected, $"+{number}");
            }
        }, iter: 100);
    }

    [Fact]
    public void Lcr_picks_the_longest_matching_prefix()
    {
        var gen = Gen.String[Gen.Char['0', '9'], 0, 5].Select(s => "+4" + s).HashSet[1, 40]
            .SelectMany(prefixes => Gen.String[Gen.Char['0', '9'], 8, 10].Select(s => "+4" + s).Array[20].Select(numbers => (prefixes, numbers)));

        gen.Sample(x =>
        {
            var (prefixes, numbers) = x;
            var doc = Demo() with
            {
                Lcr = prefixes.Select(p => new LcrRuleSpec { Prefix = p, Carriers = [new LcrCarrierSpec { Carrier = "default" }] }).ToList(),
            };
            var snapshot = new RoutingSnapshot(ProvisioningPlanner.Desired(doc));
            foreach (var number in numbers)
            {
                var expected = prefixes.Where(number.StartsWith).MaxBy(p => p.Length);
                var result = snapshot.Call(AcmeHq, number, now: Instant.FromUtc(2026, 1, 1, 0, 0));
                var matched = result.Candidates.SingleOrDefault(c => c.Kind == "lcr" && c.Outcome == "matched")?.Id;
                matched.ShouldBe(expected, number);
            }
        }, iter: 100);
    }

    [Fact]
    public void Source_and_DID_lookups_allocate_nothing()
    {
        var snapshot = Snapshot();
        var number = "+31205550150";
        snapshot.FindDid(number); // warm up (JIT)
        snapshot.FindSource(AcmeHq);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            snapshot.FindDid(number);
            snapshot.FindSource(AcmeHq);
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).ShouldBe(0);
    }
}
