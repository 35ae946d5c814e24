using System.ComponentModel;
using System.Diagnostics;
using CallControl.Host.Provisioning;
using CallControl.Provisioning;
using NodaTime;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CallControl.Host.Cli;

public sealed class ProvisionTimingSettings : CommonSettings
{
    [CommandOption("--dids <N>")]
    [Description("Single DIDs of the generated cloud, 1 000 per PBX, 10 PBXs per tenant (default 1000000)")]
    public int Dids { get; init; } = 1_000_000;

    [CommandOption("--lcr <N>")]
    [Description("LCR prefixes of the generated cloud (default 100000)")]
    public int Lcr { get; init; } = 100_000;

    [CommandOption("--repeat <N>")]
    [Description("Timed DID reassignments on the warm state (default 5)")]
    public int Repeat { get; init; } = 5;

    [CommandOption("--chunk <N>")]
    [Description("Events appended per transaction while seeding (default 10000)")]
    public int Chunk { get; init; } = 10_000;

    public override ValidationResult Validate()
    {
        if (Dids < 2_000 || Dids % 1_000 != 0) return ValidationResult.Error($"--dids: {Dids} must be a multiple of 1000, at least 2000");
        if (Lcr < 1) return ValidationResult.Error($"--lcr: {Lcr} must be positive");
        if (Repeat < 1) return ValidationResult.Error($"--repeat: {Repeat} must be positive");
        if (Chunk < 1_000) return ValidationResult.Error($"--chunk: {Chunk} must be at least 1000");
        return base.Validate();
    }
}

/// <summary>
/// <c>callcontrol dev provision-timing --schema provbench</c>: seeds a throw-away schema with a generated cloud
/// (unless it holds provisioning already), then times reassigning one DID through <see cref="ProvisioningService"/>:
/// once with a cold state (the whole log read and folded, as every apply did before the state was kept), then
/// <c>--repeat</c> times on the warm state (only the version checked and the events since read); then the same
/// reassignment as a single change (<see cref="ProvisioningService.AssignDidsAsync"/>) against a live routing table.
/// </summary>
public sealed class ProvisionTimingCommand : AsyncCommand<ProvisionTimingSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ProvisionTimingSettings settings, CancellationToken ct)
    {
        using var store = settings.OpenStore();
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var log = new ProvisioningLog(store);
        var watch = Stopwatch.StartNew();
        var (existing, _) = await log.LoadAsync(ct: ct);
        if (existing.DidRanges.Count == 0)
        {
            // The events a document apply of the whole cloud would record, appended --chunk at a time with the log entry
            // last: one session with a million streams is quadratic in Marten's unit of work (a 100 000-event apply did
            // not finish in 4 minutes), and growing documents would validate and plan the whole cloud per chunk.
            var changes = ProvisioningPlanner.Plan(ProvisioningState.Empty, Cloud(settings.Dids, settings.Dids / 1_000, settings.Lcr, owner: _ => 0),
                SystemClock.Instance.GetCurrentInstant());
            for (var from = 0; from < changes.Count; from += settings.Chunk)
            {
                await using var session = store.LightweightSession();
                foreach (var change in changes.Skip(from).Take(settings.Chunk)) session.Events.Append(change.StreamKey, change.Event);
                if (from + settings.Chunk >= changes.Count)
                    session.Events.StartStream(ProvisioningStreams.Log, new ProvisioningDocumentApplied(changes.Count, SystemClock.Instance.GetCurrentInstant()));
                await session.SaveChangesAsync(ct);
                AnsiConsole.MarkupLineInterpolated($"seeded {Math.Min(from + settings.Chunk, changes.Count):N0} of {changes.Count:N0} events at {watch.Elapsed.TotalSeconds:N1} s");
            }
        }
        else AnsiConsole.MarkupLineInterpolated($"schema holds {existing.DidRanges.Count:N0} DID ranges already; not seeding (read in {watch.Elapsed.TotalSeconds:N1} s)");
        existing = null!; // let the seeding state go before timing

        // Each change moves DID n (of PBX 0) to PBX 1 and back: one DidRangeReleased + one DidRangeAssigned.
        var moved = 0;
        ProvisioningDocument Next() => Cloud(settings.Dids, settings.Dids / 1_000, settings.Lcr, owner: n => n == 0 && ++moved % 2 == 1 ? 1 : 0);

        var cold = new ProvisioningService(store, new ProvisioningStateCache(log), SystemClock.Instance);
        var document = Next();
        watch.Restart();
        var first = await cold.ApplyAsync(document, ct: ct);
        var coldTime = watch.Elapsed;
        AnsiConsole.MarkupLineInterpolated($"cold state (whole log read and folded): {coldTime.TotalMilliseconds:N0} ms, {first.Changes.Count} changes");

        var times = new List<TimeSpan>();
        for (var i = 0; i < settings.Repeat; i++)
        {
            document = Next();
            watch.Restart();
            var outcome = await cold.ApplyAsync(document, ct: ct);
            times.Add(watch.Elapsed);
            AnsiConsole.MarkupLineInterpolated($"warm state: {watch.Elapsed.TotalMilliseconds:N0} ms, {outcome.Changes.Count} changes");
        }
        times.Sort();
        // What the warm apply spends without the store: validating and diffing the whole document.
        watch.Restart();
        var errors = ProvisioningValidator.Validate(document);
        var validate = watch.Elapsed;
        watch.Restart();
        var (state, _) = await log.LoadAsync(ct: ct);
        var load = watch.Elapsed;
        watch.Restart();
        ProvisioningPlanner.Plan(state, document, SystemClock.Instance.GetCurrentInstant());
        var plan = watch.Elapsed;
        AnsiConsole.MarkupLineInterpolated(
            $"DID reassignment on {state.DidRanges.Count:N0} DIDs / {state.LcrRules.Count:N0} LCR rules: cold {coldTime.TotalMilliseconds:N0} ms, warm median {times[times.Count / 2].TotalMilliseconds:N0} ms (min {times[0].TotalMilliseconds:N0}, max {times[^1].TotalMilliseconds:N0})");
        AnsiConsole.MarkupLineInterpolated(
            $"of which, in memory: validate {validate.TotalMilliseconds:N0} ms ({errors.Count} errors), plan {plan.TotalMilliseconds:N0} ms; reading + folding the whole log: {load.TotalMilliseconds:N0} ms");
        state = null!;
        return await TimeSingleChangesAsync(store, log, settings, ct);
    }

    /// <summary>
    /// The same reassignment (DID 0 between PBX 0 and PBX 1) as a single change, as the controller makes it for
    /// <c>PUT /api/provisioning/dids/{range}</c>: checked against a live routing table's state and DID index, appended
    /// with the version check, then the table refreshed (the events since read and applied to the snapshot).
    /// </summary>
    private static async Task<int> TimeSingleChangesAsync(Marten.IDocumentStore store, ProvisioningLog log, ProvisionTimingSettings settings, CancellationToken ct)
    {
        var routing = new Routing.LiveRoutingTable(log, Microsoft.Extensions.Logging.Abstractions.NullLogger<Routing.LiveRoutingTable>.Instance);
        var watch = Stopwatch.StartNew();
        await routing.RefreshAsync(ct);
        AnsiConsole.MarkupLineInterpolated($"single change: live routing table built from the log in {watch.Elapsed.TotalMilliseconds:N0} ms (start-up, once)");
        var service = new ProvisioningService(store, routing, SystemClock.Instance);
        const string number = "+31200000000";
        var times = new List<TimeSpan>();
        for (var i = 0; i < Math.Max(settings.Repeat, 5); i++)
        {
            var pbx = routing.Current.State.DidRanges[number].PbxId == "pbx0" ? "pbx1" : "pbx0";
            watch.Restart();
            var outcome = await service.AssignDidsAsync(number, pbx, ct: ct);
            await routing.RefreshAsync(ct);
            times.Add(watch.Elapsed);
            if (!outcome.IsValid || outcome.IsConflict || routing.Current.FindDid(number)?.Pbx.PbxId != pbx)
                return Exit.Usage($"dev provision-timing: single change failed: {outcome.Conflict}{string.Join("; ", outcome.Errors)}");
            AnsiConsole.MarkupLineInterpolated($"single change: {watch.Elapsed.TotalMilliseconds:N1} ms, {outcome.Changes.Count} changes, routing table follows");
        }
        // The in-memory part alone: the checks and the plan against the live state.
        var head = routing.Head!;
        watch.Restart();
        const int checks = 1_000;
        for (var i = 0; i < checks; i++)
            DidChanges.Assign(head.State, head.Dids, number, number, i % 2 == 0 ? "pbx2" : "pbx3", SystemClock.Instance.GetCurrentInstant());
        var check = watch.Elapsed / checks;
        times.Sort();
        AnsiConsole.MarkupLineInterpolated(
            $"DID reassignment as a single change on {head.State.DidRanges.Count:N0} DIDs: median {times[times.Count / 2].TotalMilliseconds:N1} ms (min {times[0].TotalMilliseconds:N1}, max {times[^1].TotalMilliseconds:N1}) incl. append and routing refresh; check + plan in memory {check.TotalMicroseconds:N1} µs");
        return 0;
    }

    /// <summary>A cloud like the routing benchmarks' large one: <paramref name="pbxs"/> PBXs in tenants of ten, PBX p owning the
    /// 1 000 numbers +31 200 p 000.. (the first <paramref name="dids"/> of them provisioned), <paramref name="lcr"/> LCR prefixes.</summary>
    private static ProvisioningDocument Cloud(int dids, int pbxs, int lcr, Func<int, int> owner) => new()
    {
        Tenants = Enumerable.Range(0, (pbxs + 9) / 10).Select(t => new TenantSpec
        {
            Id = $"t{t}",
            Pbxs = Enumerable.Range(t * 10, Math.Min(10, pbxs - t * 10)).Select(p => new PbxSpec { Id = $"pbx{p}", Addresses = [$"10.{p / 250}.{p % 250}.1"] }).ToList(),
            Dids = Enumerable.Range(t * 10_000, Math.Max(0, Math.Min(10_000, dids - t * 10_000)))
                .Select(n => new DidRangeSpec { First = $"+31{200_000_000 + n}", Pbx = $"pbx{n / 1_000 + owner(n)}" }).ToList(),
        }).ToList(),
        Gateways = [new GatewaySpec { Id = "gw0", Address = "10.250.0.1" }, new GatewaySpec { Id = "gw1", Address = "10.250.0.2" }],
        Carriers = [new CarrierSpec { Id = "c0", Gateways = [new() { Gateway = "gw0" }, new() { Gateway = "gw1" }] }],
        Lcr = Enumerable.Range(0, lcr).Select(i => new LcrRuleSpec { Prefix = $"+1{i:00000}", Carriers = [new() { Carrier = "c0" }] }).ToList(),
    };
}
