using CallControl.Provisioning;
using CallControl.Routing;
using NodaTime;
using Shouldly;
using Xunit;

namespace CallControl.Tests.Provisioning;

/// <summary>Single DID changes planned against a state: the checks a document would make for that change, with
/// messages naming what is in the way, and the document planner's events.</summary>
public class DidChangesTests
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 26, 14, 0);

    private static ProvisioningDocument Doc() => new()
    {
        Tenants =
        [
            new TenantSpec
            {
                Id = "acme", Pbxs = [new PbxSpec { Id = "acme-hq", Addresses = ["10.0.0.1"] }, new PbxSpec { Id = "acme-branch", Addresses = ["10.0.0.2"] }],
                Dids = [new DidRangeSpec { First = "+31205550100", Last = "+31205550199", Pbx = "acme-hq" }, new DidRangeSpec { First = "+31205550050", Pbx = "acme-hq" }],
                Forwards = [new ForwardSpec { Did = "+31205550177", To = "+31301234567" }],
            },
            new TenantSpec
            {
                Id = "globex", Pbxs = [new PbxSpec { Id = "globex-main", Addresses = ["10.0.0.3"] }],
                Dids = [new DidRangeSpec { First = "+31205550200", Last = "+31205550299", Pbx = "globex-main" }],
            },
        ],
        CardAccessNumbers = ["+318002273"],
    };

    private static ProvisioningState State(ProvisioningDocument? doc = null) =>
        ProvisioningState.Empty.ApplyAll(ProvisioningPlanner.Plan(ProvisioningState.Empty, doc ?? Doc(), Now).Select(c => c.Event));

    private static ProvisioningPlan Assign(ProvisioningState state, string numbers, string? pbx)
    {
        var (first, last, errors) = DidChanges.Parse(numbers);
        errors.ShouldBeEmpty();
        return DidChanges.Assign(state, DidRangeIndex.Of(state.DidRanges.Values), first, last, pbx, Now);
    }

    private static ProvisioningPlan Unassign(ProvisioningState state, string numbers)
    {
        var (first, last, errors) = DidChanges.Parse(numbers);
        errors.ShouldBeEmpty();
        return DidChanges.Unassign(state, DidRangeIndex.Of(state.DidRanges.Values), first, last, Now);
    }

    private static string[] Messages(ProvisioningPlan plan) => plan.Errors.Select(e => e.ToString()).ToArray();

    [Theory]
    [InlineData("+31205550150", "+31205550150", "+31205550150")]
    [InlineData("+31205550100..+31205550199", "+31205550100", "+31205550199")]
    [InlineData("+31205550100-+31205550199", "+31205550100", "+31205550199")]
    [InlineData(" +31205550100..+31205550100 ", "+31205550100", "+31205550100")]
    public void Numbers_and_ranges_are_read_in_every_accepted_form(string text, string first, string last)
    {
        var parsed = DidChanges.Parse(text);
        (parsed.First, parsed.Last).ShouldBe((first, last));
        parsed.Errors.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("0205550150", "number: '0205550150' is not an E.164 number (+ and up to 15 digits)")]
    [InlineData("", "number: '' is not an E.164 number (+ and up to 15 digits)")]
    [InlineData("+31205550100..x", "number: 'x' is not an E.164 number (+ and up to 15 digits)")]
    [InlineData("+31205550100..+3120555019", "number: '+3120555019' has not the same number of digits as first '+31205550100'")]
    [InlineData("+31205550199-+31205550100", "number: '+31205550100' is below first '+31205550199'")]
    [InlineData("+1234567890123456", "number: '+1234567890123456' is not an E.164 number (+ and up to 15 digits)")]
    public void Malformed_numbers_get_the_documents_messages(string text, string message)
    {
        DidChanges.Parse(text).Errors.Select(e => e.ToString()).ShouldBe([message]);
    }

    [Fact]
    public void A_new_number_is_assigned_to_the_pbx_and_its_tenant()
    {
        var plan = Assign(State(), "+31205550300", "globex-main");
        plan.Errors.ShouldBeEmpty();
        plan.Changes.ShouldBe([new ProvisioningChange("did:+31205550300", new DidRangeAssigned("+31205550300", "globex", "globex-main", "+31205550300", "+31205550300", Now))]);
    }

    [Fact]
    public void A_reassignment_is_a_release_then_an_assignment_as_a_document_would_record_it()
    {
        var state = State();
        var plan = Assign(state, "+31205550050", "globex-main");
        plan.Errors.ShouldBeEmpty();
        plan.Changes.Select(c => c.Event).ShouldBe([
            new DidRangeReleased("+31205550050", "acme", "acme-hq", Now),
            new DidRangeAssigned("+31205550050", "globex", "globex-main", "+31205550050", "+31205550050", Now)]);

        // The same change through a whole document plans the same events.
        var doc = Doc();
        doc = doc with
        {
            Tenants = [doc.Tenants[0] with { Dids = [doc.Tenants[0].Dids[0]] },
                       doc.Tenants[1] with { Dids = [.. doc.Tenants[1].Dids, new DidRangeSpec { First = "+31205550050", Pbx = "globex-main" }] }],
        };
        ProvisioningValidator.Validate(doc).ShouldBeEmpty();
        ProvisioningPlanner.Plan(state, doc, Now).ShouldBe(plan.Changes);
    }

    [Fact]
    public void Assigning_a_range_to_the_pbx_it_rings_already_changes_nothing()
    {
        var plan = Assign(State(), "+31205550100..+31205550199", "acme-hq");
        (plan.IsValid, plan.Changes.Count).ShouldBe((true, 0));
    }

    [Fact]
    public void An_unknown_or_missing_pbx_is_refused()
    {
        Messages(Assign(State(), "+31205550300", "nope")).ShouldBe(["pbx: PBX 'nope' is not provisioned"]);
        Messages(Assign(State(), "+31205550300", null)).ShouldBe(["pbx: names no PBX"]);
    }

    [Fact]
    public void A_number_inside_another_range_is_an_overlap_naming_that_range_and_its_owner()
    {
        Messages(Assign(State(), "+31205550150", "globex-main"))
            .ShouldBe(["number: overlaps +31205550100..+31205550199 (PBX 'acme-hq' of tenant 'acme'): unassign it first"]);
        // Overlapping the same PBX's range is an overlap too, as in a document.
        Messages(Assign(State(), "+31205550150", "acme-hq")).Length.ShouldBe(1);
        // A range reaching into two ranges names both, in number order.
        Messages(Assign(State(), "+31205550190..+31205550210", "acme-hq")).ShouldBe([
            "number: overlaps +31205550100..+31205550199 (PBX 'acme-hq' of tenant 'acme'): unassign it first",
            "number: overlaps +31205550200..+31205550299 (PBX 'globex-main' of tenant 'globex'): unassign it first"]);
        // Touching is not overlapping; a number of another length never overlaps.
        Assign(State(), "+31205550051..+31205550099", "acme-hq").Errors.ShouldBeEmpty();
        Assign(State(), "+3120555015", "acme-hq").Errors.ShouldBeEmpty();
    }

    [Fact]
    public void Overlaps_are_found_as_a_document_would_find_them_for_every_placement()
    {
        var state = State();
        for (var a = 0; a < 320; a += 7)
        for (var width = 0; width < 140; width += 23)
        {
            var first = $"+31205550{a:000}";
            var last = $"+31205550{Math.Min(999, a + width):000}";
            var doc = Doc();
            doc = doc with
            {
                Tenants = [doc.Tenants[0], doc.Tenants[1] with { Dids = [.. doc.Tenants[1].Dids, new DidRangeSpec { First = first, Last = last, Pbx = "globex-main" }] }],
            };
            var documentSaysOverlap = ProvisioningValidator.Validate(doc).Any(e => e.Message.StartsWith("overlaps"));
            var plan = DidChanges.Assign(state, DidRangeIndex.Of(state.DidRanges.Values), first, last, "globex-main", Now);
            var exists = state.DidRanges.ContainsKey(ProvisioningStreams.RangeId(first, last));
            if (!exists) plan.Errors.Any(e => e.Message.StartsWith("overlaps")).ShouldBe(documentSaysOverlap, $"{first}..{last}");
        }
    }

    [Fact]
    public void A_calling_card_access_number_cannot_become_a_did()
    {
        Messages(Assign(State(), "+318002200..+318002299", "acme-hq"))
            .ShouldBe(["number: +318002273 is a calling-card access number: an access number cannot ring a PBX too"]);
    }

    [Fact]
    public void A_forwarded_did_stays_with_its_tenant_until_the_forward_is_cleared()
    {
        var state = State();
        const string forwarded = "number: +31205550177 is forwarded (to +31301234567) by tenant 'acme': it would no longer be a DID of that tenant; clear the forward first";
        Messages(Assign(state, "+31205550100..+31205550199", "globex-main")).ShouldBe([forwarded]);
        Messages(Unassign(state, "+31205550100..+31205550199")).ShouldBe([forwarded]);
        // Within the tenant it may move.
        Assign(state, "+31205550100..+31205550199", "acme-branch").Changes.Count.ShouldBe(2);
    }

    [Fact]
    public void Unassigning_releases_the_range_and_an_unknown_range_is_not_found_with_a_hint()
    {
        var state = State();
        Unassign(state, "+31205550050").Changes.Select(c => c.Event)
            .ShouldBe([new DidRangeReleased("+31205550050", "acme", "acme-hq", Now)]);

        var part = Unassign(state, "+31205550250");
        part.NotFound.ShouldBeTrue();
        Messages(part).ShouldBe(["number: +31205550250 is not an assigned DID range; it is part of +31205550200..+31205550299: unassign ranges as they were assigned"]);
        Messages(Unassign(state, "+31205550999")).ShouldBe(["number: +31205550999 is not an assigned DID range"]);
    }
}
