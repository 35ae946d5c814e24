using System.Text;
using System.Text.Json;
using CallControl.Host.Api;
using CallControl.Host.Provisioning;
using CallControl.Host.Routing;
using CallControl.Provisioning;
using CallControl.Tests.Infrastructure;
using Marten;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;
using NodaTime.Testing;
using Shouldly;

namespace CallControl.Tests.Provisioning;

/// <summary>
/// Applies from several processes (here: services with states of their own, as the CLI and each controller node
/// have) on one real PostgreSQL store. Each plans against its in-memory state; the append carries the provisioning
/// version that state is at, so an apply planned against a state someone else has moved on from never commits:
/// it catches up and plans again, or after <see cref="ProvisioningService.MaxAttempts"/> lost races reports a conflict.
/// </summary>
public sealed class ProvisioningConcurrencyTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private readonly FakeClock _clock = new(Instant.FromUtc(2026, 11, 26, 14, 0));

    private ProvisioningService Node(IDocumentStore store, Func<int, CancellationToken, Task>? beforeAppend = null) =>
        new(store, new ProvisioningStateCache(new ProvisioningLog(store)), _clock) { BeforeAppend = beforeAppend };

    private static ProvisioningDocument WithPbx(ProvisioningDocument doc, string pbxId, string address) => doc with
    {
        Tenants = doc.Tenants.Select(t => t.Id != "globex" ? t : t with { Pbxs = [.. t.Pbxs, new PbxSpec { Id = pbxId, Addresses = [address] }] }).ToList(),
    };

    private static ProvisioningDocument Renamed(ProvisioningDocument doc, string name) => doc with
    {
        Tenants = doc.Tenants.Select(t => t.Id != "acme" ? t : t with { Name = name }).ToList(),
    };

    private static async Task<IReadOnlyList<object>> StreamAsync(IDocumentStore store, string key)
    {
        await using var session = store.QuerySession();
        return (await session.Events.FetchStreamAsync(key)).Select(e => e.Data).ToList();
    }

    [Fact]
    public async Task An_apply_that_lost_the_race_plans_again_against_the_new_state()
    {
        var store = await fixture.NewStoreAsync("provrace");
        var other = Node(store);
        var demo = await other.ApplyAsync(ProvisioningJson.Demo());
        demo.IsValid.ShouldBeTrue();
        var wanted = WithPbx(ProvisioningJson.Demo(), "globex-branch", "127.0.0.13");

        // This node plans against version 1; before it appends, the other node applies the very same document.
        var attempts = new List<int>();
        var node = Node(store, async (attempt, ct) =>
        {
            attempts.Add(attempt);
            if (attempt == 1) (await other.ApplyAsync(wanted, ct: ct)).Changes.Count.ShouldBe(1);
        });
        var outcome = await node.ApplyAsync(wanted);

        // Its first plan (register globex-branch) was made against a state that no longer is: not committed.
        // Planned again against the new state, the document changes nothing, so nothing is appended at all.
        attempts.ShouldBe([1]);
        outcome.IsValid.ShouldBeTrue();
        outcome.IsConflict.ShouldBeFalse();
        outcome.Changes.ShouldBeEmpty();
        (await StreamAsync(store, ProvisioningStreams.Pbx("globex-branch"))).Single().ShouldBeOfType<PbxRegistered>();
        (await StreamAsync(store, ProvisioningStreams.Log)).Cast<ProvisioningDocumentApplied>().Select(a => a.Changes).ShouldBe([demo.Changes.Count, 1],
            customMessage: "one ProvisioningDocumentApplied per apply that changed something");
    }

    [Fact]
    public async Task A_retry_commits_the_plan_made_against_the_state_that_won()
    {
        var store = await fixture.NewStoreAsync("provretry");
        var other = Node(store);
        await other.ApplyAsync(ProvisioningJson.Demo());

        var attempts = new List<int>();
        var node = Node(store, async (attempt, ct) =>
        {
            attempts.Add(attempt);
            if (attempt == 1) await other.ApplyAsync(Renamed(ProvisioningJson.Demo(), "Acme by the other node"), ct: ct);
        });
        var outcome = await node.ApplyAsync(WithPbx(ProvisioningJson.Demo(), "globex-branch", "127.0.0.13"));

        attempts.ShouldBe([1, 2]);
        // Against the state that won, this document also renames acme back: the first plan did not know it had to.
        outcome.Changes.Select(c => c.Event.GetType().Name).ShouldBe(["TenantRenamed", "PbxRegistered"], ignoreOrder: true);
        var (state, _) = await new ProvisioningLog(store).LoadAsync();
        state.Tenants["acme"].Name.ShouldBe(ProvisioningJson.Demo().Tenants.Single(t => t.Id == "acme").Name);
        state.Pbxs.Keys.ShouldContain("globex-branch");
    }

    [Fact]
    public async Task An_apply_that_keeps_losing_gets_a_409_problem_document_and_changes_nothing()
    {
        var store = await fixture.NewStoreAsync("provconflict");
        var other = Node(store);
        await other.ApplyAsync(ProvisioningJson.Demo());
        // The controller's own source: the live routing table, as `serve` wires it.
        var routing = new LiveRoutingTable(new ProvisioningLog(store), NullLogger<LiveRoutingTable>.Instance);
        await routing.RefreshAsync();
        var attempts = 0;
        var service = new ProvisioningService(store, routing, _clock)
        {
            // Every time, another node commits a change between this plan and its append.
            BeforeAppend = async (attempt, ct) =>
            {
                attempts++;
                await other.ApplyAsync(Renamed(ProvisioningJson.Demo(), $"Acme {attempt}"), ct: ct);
            },
        };
        var context = new DefaultHttpContext();
        var json = JsonSerializer.Serialize(WithPbx(ProvisioningJson.Demo(), "globex-branch", "127.0.0.13"), ProvisioningJson.Options);
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(json));

        var result = await ProvisioningEndpoints.Put(context.Request, service, routing);

        var problem = result.ShouldBeOfType<ProblemHttpResult>();
        problem.StatusCode.ShouldBe(StatusCodes.Status409Conflict);
        problem.ProblemDetails.Title.ShouldBe("Provisioning changed concurrently");
        problem.ProblemDetails.Detail!.ShouldContain("another apply committed first");
        problem.ProblemDetails.Detail!.ShouldContain("nothing was changed");
        attempts.ShouldBe(ProvisioningService.MaxAttempts);
        (await StreamAsync(store, ProvisioningStreams.Pbx("globex-branch"))).ShouldBeEmpty();
        var (state, _) = await new ProvisioningLog(store).LoadAsync();
        state.Tenants["acme"].Name.ShouldBe($"Acme {ProvisioningService.MaxAttempts}"); // only the other node's changes
    }

    [Fact]
    public async Task A_live_state_behind_the_store_is_caught_up_before_planning()
    {
        var store = await fixture.NewStoreAsync("provbehind");
        var other = Node(store);
        await other.ApplyAsync(ProvisioningJson.Demo());
        var routing = new LiveRoutingTable(new ProvisioningLog(store), NullLogger<LiveRoutingTable>.Instance);
        await routing.RefreshAsync();
        var service = new ProvisioningService(store, routing, _clock);

        // Another node registers a PBX; this controller's table has not polled since.
        var wanted = WithPbx(ProvisioningJson.Demo(), "globex-branch", "127.0.0.13");
        (await other.ApplyAsync(wanted)).Changes.Count.ShouldBe(1);
        routing.Current.Pbxs.ContainsKey("globex-branch").ShouldBeFalse();

        (await service.ApplyAsync(wanted, dryRun: true)).Changes.ShouldBeEmpty();
        (await service.ApplyAsync(wanted)).Changes.ShouldBeEmpty();
        routing.Head!.Version.ShouldBe(2);
        routing.Current.Pbxs.ContainsKey("globex-branch").ShouldBeTrue();
    }

    [Fact]
    public async Task Nodes_applying_at_the_same_time_never_both_commit_a_plan_from_the_same_state()
    {
        var store = await fixture.NewStoreAsync("provparallel");
        await Node(store).ApplyAsync(ProvisioningJson.Demo());
        var nodes = Enumerable.Range(0, 4).Select(_ => Node(store)).ToList();

        // Each round every node applies the same document that adds one PBX, all at once (no hooks: a real race).
        const int rounds = 8;
        var outcomes = new List<ProvisioningOutcome>();
        for (var round = 0; round < rounds; round++)
        {
            var doc = ProvisioningJson.Demo();
            for (var p = 0; p <= round; p++) doc = WithPbx(doc, $"branch-{p}", $"127.0.1.{p + 1}");
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var applies = nodes.Select(n => Task.Run(async () =>
            {
                await start.Task;
                return await n.ApplyAsync(doc);
            })).ToList();
            start.SetResult();
            outcomes.AddRange(await Task.WhenAll(applies));
        }

        outcomes.ShouldAllBe(o => o.IsValid);
        var committed = outcomes.Where(o => !o.IsConflict && o.Changes.Count > 0).ToList();
        committed.Count.ShouldBe(rounds, "exactly one node per round registers that round's PBX; the others find nothing to do");
        for (var p = 0; p < rounds; p++)
            (await StreamAsync(store, ProvisioningStreams.Pbx($"branch-{p}"))).Single().ShouldBeOfType<PbxRegistered>();
        (await StreamAsync(store, ProvisioningStreams.Log)).Count.ShouldBe(1 + rounds);
    }
}
