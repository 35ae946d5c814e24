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

        await _gate.WaitAsync(ct);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var head = await CurrentAsync(ct);
                var now = clock.GetCurrentInstant();
                var changes = ProvisioningPlanner.Plan(head.State, document!, now);
                if (dryRun || changes.Count == 0) return new ProvisioningOutcome([], changes);
                if (BeforeAppend is { } hook) await hook(attempt, ct);
                if (await TryAppendAsync(head.Version, changes, now, ct)) return new ProvisioningOutcome([], changes);
                if (attempt == MaxAttempts)
                    return ProvisioningOutcome.Conflicted(
                        $"provisioning changed while this document was being applied ({MaxAttempts} attempts, each time another " +
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
    private async Task<bool> TryAppendAsync(long version, IReadOnlyList<ProvisioningChange> changes, Instant now, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        // The marker first: a competing apply at the same version blocks on it and then fails, before its other appends.
        var applied = new ProvisioningDocumentApplied(changes.Count, now);
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
