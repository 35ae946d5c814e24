using CallControl.Limits;
using CsCheck;
using NodaTime;
using Shouldly;
using Xunit;

namespace CallControl.Tests.Limits;

/// <summary>
/// For random interleavings of admit / answer (settle) / re-INVITE (settle) / release / duplicate release /
/// restart (rebuild) over a handful of calls, the registry's counters always equal a recount of the open dialogs,
/// never go negative, and never pass a limit through admission.
/// </summary>
public class LiveUsageRegistryPropertyTests
{
    private enum OpKind { Admit, Answer, Reinvite, Retarget, Release, ReleaseAgain, ReleaseUnknown, Restart }

    private readonly record struct Op(OpKind Kind, int Call, int Source, int Target, int Kbps, bool Emergency, int AdvanceMs);

    private static readonly CallLink[] Links =
    [
        CallLink.Pbx("pbx-a", "tenant-1"),
        CallLink.Pbx("pbx-b", "tenant-1"),
        CallLink.Pbx("pbx-c", "tenant-2"),
        CallLink.Gateway("gw-1"),
        CallLink.Gateway("gw-2"),
        CallLink.Unlimited,
    ];

    private static readonly LimitsTable Limits = LimitsTable.Empty
        .WithPbx("pbx-a", new LinkLimits(MaxCalls: 3, MaxKbps: 200, MaxCallsPerSecond: 4))
        .WithPbx("pbx-c", new LinkLimits(MaxCalls: 4))
        .WithTenant("tenant-1", new LinkLimits(MaxCalls: 5, MaxKbps: 300))
        .WithGateway("gw-1", new GatewayLimits(MaxChannels: 2));

    private static readonly Gen<Op> GenOp =
        Gen.Select(
            Gen.Frequency((4, Gen.Const(OpKind.Admit)), (2, Gen.Const(OpKind.Answer)), (1, Gen.Const(OpKind.Reinvite)), (1, Gen.Const(OpKind.Retarget)),
                          (2, Gen.Const(OpKind.Release)), (1, Gen.Const(OpKind.ReleaseAgain)), (1, Gen.Const(OpKind.ReleaseUnknown)),
                          (1, Gen.Const(OpKind.Restart))),
            Gen.Int[0, 9],
            Gen.Int[0, Links.Length - 1],
            Gen.Int[0, Links.Length - 1],
            Gen.OneOf(Gen.Const(0), Gen.Const(24), Gen.Const(80), Gen.Const(100), Gen.Int[0, 400]),
            Gen.Int[0, 9].Select(i => i == 0),
            Gen.Int[0, 600])
        .Select((kind, call, source, target, kbps, emergency, advance) => new Op(kind, call, source, target, kbps, emergency, advance));

    [Fact]
    public void Counters_always_equal_a_recount_of_open_dialogs()
    {
        GenOp.Array[1, 80].Sample(ops =>
        {
            var registry = new LiveUsageRegistry(Limits);
            var model = new Dictionary<string, OpenDialog>();
            var now = Instant.FromUtc(2025, 11, 26, 9, 0);

            foreach (var op in ops)
            {
                now += Duration.FromMilliseconds(op.AdvanceMs);
                var key = $"call-{op.Call}";
                switch (op.Kind)
                {
                    case OpKind.Admit:
                        var before = registry.Snapshot(now);
                        var request = new AdmissionRequest(Links[op.Source], Links[op.Target], op.Kbps, op.Emergency);
                        var decision = registry.TryAdmit(key, request, now);
                        if (decision is Admitted { AlreadyOpen: false })
                        {
                            model.ContainsKey(key).ShouldBeFalse();
                            model[key] = new OpenDialog(key, request.Source, request.Target, op.Kbps, op.Emergency, now);
                            if (!op.Emergency)
                                AssertWithinLimits(registry.Snapshot(now), before);
                        }
                        else if (decision is Admitted)
                            model.ContainsKey(key).ShouldBeTrue();
                        else
                            model.ContainsKey(key).ShouldBeFalse(); // an open key is never refused
                        break;

                    case OpKind.Answer:
                    case OpKind.Reinvite:
                        var settled = registry.Settle(key, op.Kbps);
                        settled.Found.ShouldBe(model.ContainsKey(key));
                        if (settled.Found)
                        {
                            settled.PreviousKbps.ShouldBe(model[key].Kbps);
                            model[key] = model[key] with { Kbps = op.Kbps };
                        }
                        break;

                    case OpKind.Retarget:
                        var beforeMove = registry.Snapshot(now);
                        var moved = registry.TryRetarget(key, Links[op.Target], now);
                        (moved is not null).ShouldBe(model.ContainsKey(key));
                        if (moved is Admitted)
                        {
                            model[key] = model[key] with { Target = Links[op.Target] };
                            if (!model[key].IsEmergency)
                                AssertWithinLimits(registry.Snapshot(now), beforeMove);
                        }
                        break;

                    case OpKind.Release:
                    case OpKind.ReleaseAgain:
                        var released = registry.Release(key);
                        (released is not null).ShouldBe(model.Remove(key));
                        if (op.Kind == OpKind.ReleaseAgain)
                            registry.Release(key).ShouldBeNull();
                        break;

                    case OpKind.ReleaseUnknown:
                        registry.Release($"unknown-{op.Call}").ShouldBeNull();
                        break;

                    case OpKind.Restart:
                        var restarted = new LiveUsageRegistry(Limits);
                        restarted.Rebuild(registry.OpenDialogs(), now);
                        // calls and kbit/s come back exactly; the calls-per-second window can only lose calls that
                        // ended within the last second (they are not open dialogs), never gain any
                        var live = registry.Snapshot(now);
                        foreach (var (scope, usage) in restarted.Snapshot(now).Scopes)
                        {
                            var was = live.Scopes.GetValueOrDefault(scope);
                            (usage.ActiveCalls, usage.ReservedKbps).ShouldBe((was.ActiveCalls, was.ReservedKbps));
                            usage.NewCallsInWindow.ShouldBeLessThanOrEqualTo(was.NewCallsInWindow);
                        }
                        registry = restarted;
                        break;
                }

                AssertCountersEqualRecount(registry, model, now);
            }
        }, iter: 2000);
    }

    private static void AssertCountersEqualRecount(LiveUsageRegistry registry, Dictionary<string, OpenDialog> model, Instant now)
    {
        registry.OpenDialogs().OrderBy(d => d.CallKey).ShouldBe(model.Values.OrderBy(d => d.CallKey));

        var recount = new Dictionary<ScopeId, (int Calls, long Kbps)>();
        foreach (var dialog in model.Values)
        foreach (var scope in ScopesOf(dialog.Source).Concat(ScopesOf(dialog.Target)))
        {
            var (calls, kbps) = recount.GetValueOrDefault(scope);
            recount[scope] = (calls + 1, kbps + dialog.Kbps);
        }

        var snapshot = registry.Snapshot(now);
        snapshot.OpenDialogs.ShouldBe(model.Count);
        foreach (var (scope, usage) in snapshot.Scopes)
        {
            usage.ActiveCalls.ShouldBeGreaterThanOrEqualTo(0);
            usage.ReservedKbps.ShouldBeGreaterThanOrEqualTo(0);
            usage.NewCallsInWindow.ShouldBeGreaterThanOrEqualTo(0);
            var (calls, kbps) = recount.GetValueOrDefault(scope);
            (usage.ActiveCalls, usage.ReservedKbps).ShouldBe((calls, kbps), $"scope {scope}");
        }
        foreach (var (scope, (calls, kbps)) in recount)
        {
            var usage = snapshot.Scopes.GetValueOrDefault(scope);
            (usage.ActiveCalls, usage.ReservedKbps).ShouldBe((calls, kbps), $"scope {scope}");
        }
    }

    /// <summary>A non-emergency admission never takes a scope past a limit it was within before.</summary>
    private static void AssertWithinLimits(UsageSnapshot after, UsageSnapshot before)
    {
        foreach (var (scope, usage) in after.Scopes)
        {
            var was = before.Scopes.GetValueOrDefault(scope);
            if (usage == was) continue;
            switch (scope.Kind)
            {
                case ScopeKind.Gateway when Limits.ForGateway(scope.Id).MaxChannels is int channels:
                    usage.ActiveCalls.ShouldBeLessThanOrEqualTo(Math.Max(channels, was.ActiveCalls));
                    break;
                case ScopeKind.Pbx or ScopeKind.Tenant:
                    var limits = scope.Kind == ScopeKind.Pbx ? Limits.ForPbx(scope.Id) : Limits.ForTenant(scope.Id);
                    if (limits.MaxCalls is int maxCalls)
                        usage.ActiveCalls.ShouldBeLessThanOrEqualTo(Math.Max(maxCalls, was.ActiveCalls));
                    if (limits.MaxKbps is long maxKbps && usage.ReservedKbps > was.ReservedKbps)
                        usage.ReservedKbps.ShouldBeLessThanOrEqualTo(maxKbps);
                    if (limits.MaxCallsPerSecond is int maxCps)
                        usage.NewCallsInWindow.ShouldBeLessThanOrEqualTo(Math.Max(maxCps, was.NewCallsInWindow));
                    break;
            }
        }
    }

    private static IEnumerable<ScopeId> ScopesOf(CallLink link)
    {
        if (link.PbxId is not null) { yield return ScopeId.Pbx(link.PbxId); yield return ScopeId.Tenant(link.TenantId!); }
        else if (link.GatewayId is not null) yield return ScopeId.Gateway(link.GatewayId);
    }
}
