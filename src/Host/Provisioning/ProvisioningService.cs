using CallControl.Provisioning;
using Marten;
using NodaTime;

namespace CallControl.Host.Provisioning;

public sealed record ProvisioningOutcome(IReadOnlyList<ProvisioningError> Errors, IReadOnlyList<ProvisioningChange> Changes)
{
    public bool IsValid => Errors.Count == 0;
}

/// <summary>
/// Applies a declarative provisioning document: validate the whole document, diff it against the
/// current state, append the differences as events in one transaction. A bad document changes nothing.
/// </summary>
public sealed class ProvisioningService(IDocumentStore store, ProvisioningLog log, IClock clock)
{
    // Provisioning is rare and must not interleave (the plan is computed from the state it read).
    private static readonly SemaphoreSlim Gate = new(1, 1);
    // pg_advisory_xact_lock key: serializes provisioning across controller and CLI processes.
    private const long AdvisoryLockKey = 0x43_43_50_52_4F_56; // "CCPROV"

    public async Task<ProvisioningOutcome> ApplyAsync(ProvisioningDocument? document, bool dryRun = false, CancellationToken ct = default)
    {
        var errors = ProvisioningValidator.Validate(document);
        if (errors.Count > 0) return new ProvisioningOutcome(errors, []);

        await Gate.WaitAsync(ct);
        try
        {
            await using var session = store.LightweightSession();
            await session.BeginTransactionAsync(ct);
            await session.Connection!.ExecuteScalarAsync($"select pg_advisory_xact_lock({AdvisoryLockKey})", ct);
            var (current, _) = await log.LoadAsync(ct: ct);
            var changes = ProvisioningPlanner.Plan(current, document!, clock.GetCurrentInstant());
            if (dryRun || changes.Count == 0) return new ProvisioningOutcome([], changes);
            foreach (var change in changes) session.Events.Append(change.StreamKey, change.Event);
            await session.SaveChangesAsync(ct);
            return new ProvisioningOutcome([], changes);
        }
        finally
        {
            Gate.Release();
        }
    }
}

internal static class NpgsqlConnectionExtensions
{
    public static async Task<object?> ExecuteScalarAsync(this Npgsql.NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(ct);
    }
}
