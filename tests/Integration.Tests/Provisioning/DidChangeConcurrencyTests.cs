using CallControl.Host.Provisioning;
using CallControl.Provisioning;
using CallControl.Tests.Infrastructure;
using Marten;
using NodaTime;
using NodaTime.Testing;
using Shouldly;

namespace CallControl.Tests.Provisioning;

/// <summary>A single DID change and a document apply share the optimistic concurrency of <c>provisioning:log</c>: planned
/// against the same old state, they cannot both commit; the loser plans again against the winner's state.</summary>
public sealed class DidChangeConcurrencyTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private readonly FakeClock _clock = new(Instant.FromUtc(2026, 11, 26, 14, 0));

    private ProvisioningService Node(IDocumentStore store, Func<int, CancellationToken, Task>? beforeAppend = null) =>
        new(store, new ProvisioningStateCache(new ProvisioningLog(store)), _clock) { BeforeAppend = beforeAppend };

    private static async Task<IReadOnlyList<object>> StreamAsync(IDocumentStore store, string key)
    {
        await using var session = store.QuerySession();
        return (await session.Events.FetchStreamAsync(key)).Select(e => e.Data).ToList();
    }

    /// <summary>The demo with +31205550400 assigned to globex-main by the document.</summary>
    private static ProvisioningDocument DemoWith400() => ProvisioningJson.Demo() with
    {
        Tenants = ProvisioningJson.Demo().Tenants.Select(t => t.Id != "globex" ? t
            : t with { Dids = [.. t.Dids, new DidRangeSpec { First = "+31205550400", Pbx = "globex-main" }] }).ToList(),
    };

    [Fact]
    public async Task A_single_change_planned_against_a_state_a_document_moved_on_from_is_checked_again_and_refused()
    {
        var store = await fixture.NewStoreAsync("didrace");
        var other = Node(store);
        (await other.ApplyAsync(ProvisioningJson.Demo())).IsValid.ShouldBeTrue();

        // Planned against the demo, +31205550400..+31205550409 is free; before it appends, a document assigns +31205550400.
        var attempts = new List<int>();
        var node = Node(store, async (attempt, ct) =>
        {
            attempts.Add(attempt);
            if (attempt == 1) (await other.ApplyAsync(DemoWith400(), ct: ct)).Changes.Count.ShouldBe(1);
        });
        var outcome = await node.AssignDidsAsync("+31205550400..+31205550409", "acme-hq");

        attempts.ShouldBe([1]);
        outcome.Errors.Select(e => e.ToString())
            .ShouldBe(["number: overlaps +31205550400 (PBX 'globex-main' of tenant 'globex'): unassign it first"]);
        (await StreamAsync(store, ProvisioningStreams.DidRange("+31205550400..+31205550409"))).ShouldBeEmpty();
        (await StreamAsync(store, ProvisioningStreams.Log)).Select(e => e.GetType().Name)
            .ShouldBe([nameof(ProvisioningDocumentApplied), nameof(ProvisioningDocumentApplied)]);
    }

    [Fact]
    public async Task A_document_planned_before_a_single_change_committed_plans_again_and_both_are_in_the_log_in_order()
    {
        var store = await fixture.NewStoreAsync("didrace2");
        var other = Node(store);
        (await other.ApplyAsync(ProvisioningJson.Demo())).IsValid.ShouldBeTrue();

        var attempts = new List<int>();
        var node = Node(store, async (attempt, ct) =>
        {
            attempts.Add(attempt);
            if (attempt == 1) (await other.AssignDidsAsync("+31205550400", "acme-hq", ct: ct)).Changes.Count.ShouldBe(1);
        });
        // The document (planned against the demo) says +31205550400 rings globex-main; the single change got there first.
        var outcome = await node.ApplyAsync(DemoWith400());

        attempts.ShouldBe([1, 2]);
        outcome.Changes.Select(c => c.Event.GetType().Name).ShouldBe([nameof(DidRangeReleased), nameof(DidRangeAssigned)],
            customMessage: "planned again against the state with the single change, the document moves the number");
        var log = await StreamAsync(store, ProvisioningStreams.Log);
        log.Select(e => e.GetType().Name).ShouldBe([nameof(ProvisioningDocumentApplied), nameof(ProvisioningChangeApplied), nameof(ProvisioningDocumentApplied)]);
        log.OfType<ProvisioningChangeApplied>().Single().ShouldBe(new ProvisioningChangeApplied(1, "dids assign +31205550400 --pbx acme-hq", _clock.GetCurrentInstant()));
        (await StreamAsync(store, ProvisioningStreams.DidRange("+31205550400"))).Select(e => e.GetType().Name)
            .ShouldBe([nameof(DidRangeAssigned), nameof(DidRangeReleased), nameof(DidRangeAssigned)]);
    }
}
