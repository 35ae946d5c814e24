using CallControl.Calls;
using CallControl.Host.Calls;
using CallControl.Host.EventStore;
using CallControl.Projections.Cdrs;
using CallControl.Routing;
using CallControl.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;
using Shouldly;

namespace CallControl.Tests.Calls;

/// <summary>Call events through the group-commit writer: appended, projected to one CDR, replayed in order.</summary>
public sealed class CallRecordingTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 11, 26, 14, 2);

    private static object[] AnsweredCall(string callId, Duration talk)
    {
        var key = CallStreams.Key(callId, "tag1");
        return
        [
            new CallReceived(key, callId, "tag1", "udp:127.0.0.11:5060", "acme-hq", null, "acme", "100", "+31205550200", "sip:+31205550200@127.0.0.1", T0),
            new CallRouted(key, "+31205550200", "pbx", "globex-main", "globex", "sip:+31205550200@127.0.0.12:5060", "udp:127.0.0.12:5060",
                "in DID range", [new RouteCandidate("pbx", "globex-main", "chosen", "in DID range")], T0),
            new CallAnswered(key, 0, T0 + Duration.FromSeconds(3)),
            new CallEnded(key, "caller", "BYE", talk, T0 + Duration.FromSeconds(3) + talk),
        ];
    }

    [Fact]
    public async Task An_answered_call_projects_one_cdr_and_replays_in_order()
    {
        var store = await fixture.NewStoreAsync("calls");
        await using (var writer = new GroupCommitWriter(store, NullLogger<GroupCommitWriter>.Instance))
        {
            var events = AnsweredCall("abc@host", Duration.FromSeconds(42));
            // The way the proxy appends: routing first, then answer, then end, each awaited.
            (await writer.AppendAsync(CallStreams.Key("abc@host", "tag1"), AppendKind.NewCall, events[0], events[1])).ShouldBeTrue();
            (await writer.AppendAsync(CallStreams.Key("abc@host", "tag1"), AppendKind.InProgress, events[2])).ShouldBeTrue();
            (await writer.AppendAsync(CallStreams.Key("abc@host", "tag1"), AppendKind.InProgress, events[3])).ShouldBeTrue();
        }

        await using var session = store.QuerySession();
        var cdr = (await session.Query<Cdr>().Where(c => c.CallId == "abc@host").ToListAsync()).ShouldHaveSingleItem();
        cdr.Disposition.ShouldBe(CdrDispositions.Answered);
        cdr.SourcePbxId.ShouldBe("acme-hq");
        cdr.TargetId.ShouldBe("globex-main");
        cdr.Duration.ShouldBe(Duration.FromSeconds(42));
        cdr.AnsweredAt.ShouldBe(T0 + Duration.FromSeconds(3));
        cdr.EndedBy.ShouldBe("caller");

        var replay = await new CallQueries(store).ReplayAsync("abc@host");
        replay.Select(e => e.Type).ShouldBe(["call_received", "call_routed", "call_answered", "call_ended"]);
        replay.Select(e => e.Version).ShouldBe([1L, 2, 3, 4]);
        replay[1].Data.ShouldContain("globex-main");
    }

    [Fact]
    public async Task Many_concurrent_calls_are_committed_in_few_transactions()
    {
        var store = await fixture.NewStoreAsync("calls");
        const int calls = 400;
        long batches;
        await using (var writer = new GroupCommitWriter(store, NullLogger<GroupCommitWriter>.Instance))
        {
            await Task.WhenAll(Enumerable.Range(0, calls).Select(async i =>
            {
                var events = AnsweredCall($"load-{i}", Duration.FromSeconds(i));
                var key = CallStreams.Key($"load-{i}", "tag1");
                await writer.AppendAsync(key, AppendKind.NewCall, events[0], events[1]);
                await writer.AppendAsync(key, AppendKind.InProgress, events[2]);
                await writer.AppendAsync(key, AppendKind.InProgress, events[3]);
            }));
            batches = writer.Batches;
            writer.EventsWritten.ShouldBe(calls * 4);
        }
        // Group commit: far fewer transactions than appends (3 appends per call).
        batches.ShouldBeLessThan(calls * 3 / 4);

        await using var session = store.QuerySession();
        (await session.Query<Cdr>().CountAsync()).ShouldBe(calls);
        (await session.Query<Cdr>().CountAsync(c => c.Disposition == CdrDispositions.Answered)).ShouldBe(calls);
    }

    [Fact]
    public async Task Appends_to_one_stream_keep_their_order_while_several_commits_are_in_flight()
    {
        var store = await fixture.NewStoreAsync("calls");
        const int streams = 16, perStream = 40;
        await using (var writer = new GroupCommitWriter(store, NullLogger<GroupCommitWriter>.Instance, maxBatch: 2000, lanes: 4))
        {
            writer.Lanes.ShouldBe(4);
            // Not awaited one by one: every append is queued at once, across all lanes.
            var appends = new List<Task<bool>>();
            for (var n = 0; n < perStream; n++)
                for (var s = 0; s < streams; s++)
                    appends.Add(writer.AppendAsync($"order-{s}", AppendKind.InProgress, new CallLimitHit($"order-{s}", $"pbx:p{s}", "caller", "calls", 10, 10, n, false, 503, T0)));
            (await Task.WhenAll(appends)).ShouldAllBe(ok => ok);
        }

        await using var session = store.QuerySession();
        for (var s = 0; s < streams; s++)
        {
            var events = await session.Events.FetchStreamAsync($"order-{s}");
            events.Select(e => ((CallLimitHit)e.Data).Requested).ShouldBe(Enumerable.Range(0, perStream).Select(n => (long)n));
        }
    }

    [Fact]
    public async Task A_new_call_is_refused_when_the_store_is_unreachable()
    {
        var unreachable = Marten.DocumentStore.For(o => CallControl.Projections.EventStoreConfiguration.Configure(o,
            "Host=127.0.0.1;Port=1;Database=none;Username=x;Password=x;Timeout=2", "nowhere"));
        await using var writer = new GroupCommitWriter(unreachable, NullLogger<GroupCommitWriter>.Instance);
        var events = AnsweredCall("down@host", Duration.Zero);
        await Should.ThrowAsync<EventStoreUnavailableException>(() =>
            writer.AppendAsync(CallStreams.Key("down@host", "tag1"), AppendKind.NewCall, events[0], events[1]));
        // An in-progress call's events are kept, not lost: the append completes as "buffered".
        (await writer.AppendAsync(CallStreams.Key("down@host", "tag1"), AppendKind.InProgress, events[2])).ShouldBeFalse();
        writer.Buffered.ShouldBe(1);
    }
}
