using CallControl.Provisioning;
using CsCheck;
using Shouldly;
using Xunit;

namespace CallControl.Tests.Provisioning;

/// <summary>DID ranges: every overlap is named, on the later range, pointing at each earlier one it overlaps, in
/// document order, and bad ranges in between are reported where they are. Validation of a million DIDs must not
/// compare every range with every other (it is on the path of every provisioning apply).</summary>
public class DidValidationTests
{
    private static DidRangeSpec Did(string first, string? last = null, string pbx = "p") => new() { First = first, Last = last, Pbx = pbx };

    private static ProvisioningDocument Doc(params List<DidRangeSpec>[] didsPerTenant) => new()
    {
        Tenants = didsPerTenant.Select((dids, t) => new TenantSpec
        {
            Id = $"t{t}", Pbxs = [new PbxSpec { Id = t == 0 ? "p" : $"p{t}", Addresses = [$"10.0.0.{t + 1}"] }],
            Dids = dids.Select(d => t == 0 ? d : d with { Pbx = $"p{t}" }).ToList(),
        }).ToList(),
    };

    [Fact]
    public void Overlapping_ranges_are_named_with_every_earlier_range_they_overlap_in_document_order()
    {
        var doc = Doc(
            [Did("+31200000100", "+31200000199"), Did("+31200000150"), Did("+3120000", "x"), Did("+31200000000", "+31200000999")],
            [Did("+31200000150"), Did("+312000001", "+312000001"), Did("+31200000300", "+31200000200"), Did("+31200000500", "+31200000600")]);

        ProvisioningValidator.Validate(doc).Select(e => e.ToString()).ShouldBe([
            "tenants[0].dids[1]: overlaps tenants[0].dids[0]",
            "tenants[0].dids[2].last: 'x' is not an E.164 number (+ and up to 15 digits)",
            "tenants[0].dids[3]: overlaps tenants[0].dids[0]",
            "tenants[0].dids[3]: overlaps tenants[0].dids[1]",
            "tenants[1].dids[0]: overlaps tenants[0].dids[0]",
            "tenants[1].dids[0]: overlaps tenants[0].dids[1]",
            "tenants[1].dids[0]: overlaps tenants[0].dids[3]",
            "tenants[1].dids[2].last: '+31200000200' is below first '+31200000300'",
            "tenants[1].dids[3]: overlaps tenants[0].dids[3]",
        ]);
    }

    [Fact]
    public void Overlaps_found_by_sorting_are_the_ones_a_pairwise_comparison_finds()
    {
        // Random ranges over a small number space (many overlaps, some of other lengths), checked against every pair.
        var range = Gen.Select(Gen.Int[0, 60], Gen.Int[0, 8], Gen.Int[0, 9], (first, span, kind) => kind == 0
            ? Did($"+3120000{first:000}0")               // one digit longer: never overlaps the others
            : Did($"+3120000{first:000}", span == 0 ? null : $"+3120000{first + span:000}"));
        range.List[1, 30].Sample(dids =>
        {
            var expected = new List<string>();
            for (var j = 0; j < dids.Count; j++)
                for (var i = 0; i < j; i++)
                {
                    var (a, b) = (dids[i], dids[j]);
                    var (aLast, bLast) = (a.Last ?? a.First, b.Last ?? b.First);
                    if (a.First.Length == b.First.Length && string.CompareOrdinal(b.First, aLast) <= 0 && string.CompareOrdinal(a.First, bLast) <= 0)
                        expected.Add($"tenants[0].dids[{j}]: overlaps tenants[0].dids[{i}]");
                }
            ProvisioningValidator.Validate(Doc(dids)).Select(e => e.ToString()).ShouldBe(expected);
        }, iter: 300);
    }

    [Fact]
    public void A_million_DIDs_validate_in_well_under_a_minute()
    {
        var dids = Enumerable.Range(0, 1_000_000).Select(n => Did($"+31{200_000_000 + n}")).ToList();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        ProvisioningValidator.Validate(Doc(dids)).ShouldBeEmpty();
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(60)); // pairwise: ~5 * 10^11 comparisons, hours
    }
}
