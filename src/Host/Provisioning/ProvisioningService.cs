using CallControl.Provisioning;
using JasperFx;
using Marten;
using Marten.Exceptions;
using NodaTime;

namespace CallControl.Host.Provisioning;

public sealed record ProvisioningOutcome(IReadOnlyList<ProvisioningError> Errors, IReadOnlyList<ProvisioningChange> Changes)
{
    /// <summary>Set when other applies kept committing first and this one gave up: nothing was changed.</summary>
    public string? Conflict { get; init; }

    /// <summary>Set with <see cref="Errors"/> when what a single change names does not exist (HTTP 404).</summary>
    public bool NotFound { get; init; }

    public bool IsValid => Errors.Count == 0;
    public bool IsConflict => Conflict is not null;

    public static ProvisioningOutcome Conflicted(string message) => new([], []) { Conflict = message };
}

/// <summary>
/// Applies a declarative provisioning document: validate the whole document, diff it against the
/// current state, append the differences as events in one transaction. A bad document changes nothing.
/// <para>
/// The current state is an in-memory one (<see cref="IProvisioningStateSource"/>: the controller's live routing
/// table, or the CLI's cache), brought up to date by the events since it, not the whole log read again. The
/// append is optimistic: it carries a <see cref="ProvisioningDocumentApplied"/> on <see cref="ProvisioningStreams.Log"/>
/// with the version the plan was made at as its expected version, so of two applies planned against the same
/// state (two nodes, the CLI and the HTTP API) only one commits; the other catches up and plans again, and
/// after <see cref="MaxAttempts"/> lost races reports a conflict. Appends thereby also commit one after the
/// other, which keeps the followers' "events after sequence n" reads complete.
/// </para>
/// <para>
/// Single DID changes (<see cref="AssignDidsAsync"/>, <see cref="UnassignDidsAsync"/>) go the same way with a
/// <see cref="ProvisioningChangeApplied"/> as the log entry, but are planned by looking up what they touch in the state
/// and its DID index instead of diffing a whole document.
/// </para>
/// </summary>
public sealed class ProvisioningService(IDocumentStore store, IProvisioningStateSource source, IClock clock)
{
    public const int MaxAttempts = 3;

    // Applies of this process wait for each other (they would only conflict); other processes are met by the version check.
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>For tests: runs after the plan is made and before it is appended (to commit a competing change there).</summary>
    internal Func<int, CancellationToken, Task>? BeforeAppend { get; init; }

    public async Task<ProvisioningOutcome> ApplyAsync(ProvisioningDocument? document, bool dryRun = false, CancellationToken ct = default)
    {
        var errors = ProvisioningValidator.Validate(document);
        if (errors.Count > 0) return new ProvisioningOutcome(errors, []);
        return await CommitAsync((head, now) => new ProvisioningPlan([], ProvisioningPlanner.Plan(head.State, document!, now)),
            (changes, now) => new ProvisioningDocumentApplied(changes, now), dryRun,
            "provisioning changed while this document was being applied", ct);
    }

    /// <summary>
    /// Assigns one DID or range (<c>+31205550150</c>, <c>+31205550100..+31205550199</c>) to a PBX, or moves it there:
    /// checked against the in-memory state (<see cref="DidChanges.Assign"/>), appended with the same expected
    /// version as a document apply, with a <see cref="ProvisioningChangeApplied"/> naming the change.
    /// </summary>
    public Task<ProvisioningOutcome> AssignDidsAsync(string numbers, string? pbxId, bool dryRun = false, CancellationToken ct = default)
    {
        var (first, last, errors) = DidChanges.Parse(numbers);
        if (errors.Count > 0) return Task.FromResult(new ProvisioningOutcome(errors, []));
        var change = $"dids assign {ProvisioningStreams.RangeId(first, last)} --pbx {pbxId}";
        return CommitAsync((head, now) => DidChanges.Assign(head.State, head.Dids, first, last, pbxId, now),
            (count, now) => new ProvisioningChangeApplied(count, change, now), dryRun, $"provisioning changed while '{change}' was being applied", ct);
    }

    /// <summary>Unassigns one DID range exactly as it was assigned (<see cref="DidChanges.Unassign"/>).</summary>
    public Task<ProvisioningOutcome> UnassignDidsAsync(string numbers, bool dryRun = false, CancellationToken ct = default)
    {
        var (first, last, errors) = DidChanges.Parse(numbers);
        if (errors.Count > 0) return Task.FromResult(new ProvisioningOutcome(errors, []));
        var change = $"dids unassign {ProvisioningStreams.RangeId(first, last)}";
        return CommitAsync((head, now) => DidChanges.Unassign(head.State, head.Dids, first, last, now),
            (count, now) => new ProvisioningChangeApplied(count, change, now), dryRun, $"provisioning changed while '{change}' was being applied", ct);
    }

    /// <summary>
    /// Plans against the current state and appends the plan with the log entry at the version it was planned at; on a
    /// lost race catches up and plans again (the plan, and so its errors, may differ on the newer state), up to
    /// <see cref="MaxAttempts"/> times.
    /// </summary>
    private async Task<ProvisioningOutcome> CommitAsync(Func<ProvisioningHead, Instant, ProvisioningPlan> plan,
        Func<int, Instant, IProvisioningEvent> logEntry, bool dryRun, string conflict, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var head = await CurrentAsync(ct);
                var now = clock.GetCurrentInstant();
                var planned = plan(head, now);
                if (!planned.IsValid) return new ProvisioningOutcome(planned.Errors, []) { NotFound = planned.NotFound };
                var changes = planned.Changes;
                if (dryRun || changes.Count == 0) return new ProvisioningOutcome([], changes);
                if (BeforeAppend is { } hook) await hook(attempt, ct);
                if (await TryAppendAsync(head.Version, logEntry(changes.Count, now), changes, ct)) return new ProvisioningOutcome([], changes);
                if (attempt == MaxAttempts)
                    return ProvisioningOutcome.Conflicted(
                        $"{conflict} ({MaxAttempts} attempts, each time another " +
                        $"apply committed first; last planned against version {head.Version}); nothing was changed, apply it again");
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The in-memory state, caught up when the provisioning version in the store is not the one it is at
    /// (one indexed row read; the log is read only from the state's sequence on).</summary>
    private async Task<ProvisioningHead> CurrentAsync(CancellationToken ct)
    {
        if (source.Head is not { } head) return await source.CatchUpAsync(ct);
        await using var session = store.QuerySession();
        var stored = await session.Events.FetchStreamStateAsync(ProvisioningStreams.Log, ct);
        return (stored?.Version ?? 0) == head.Version ? head : await source.CatchUpAsync(ct);
    }

    /// <summary>Appends the version marker and the changes in one transaction; false when the version moved on.</summary>
    private async Task<bool> TryAppendAsync(long version, IProvisioningEvent applied, IReadOnlyList<ProvisioningChange> changes, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        // The marker first: a competing apply at the same version blocks on it and then fails, before its other appends.
        if (version == 0) session.Events.StartStream(ProvisioningStreams.Log, applied);
        else session.Events.Append(ProvisioningStreams.Log, version + 1, applied); // Marten: the version after this append
        foreach (var change in changes) session.Events.Append(change.StreamKey, change.Event);
        try
        {
            await session.SaveChangesAsync(ct);
            return true;
        }
        catch (Exception ex) when (IsLostRace(ex))
        {
            return false;
        }
    }

    /// <summary>Another apply committed first: the version moved on, or it created a stream this one creates too
    /// (a unique key of the event store's tables; nothing else here can break one).</summary>
    private static bool IsLostRace(Exception ex) =>
        ex is ConcurrencyException or ExistingStreamIdCollisionException ||
        ex.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation };
}
