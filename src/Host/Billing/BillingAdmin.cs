using CallControl.Billing.Accounts;
using CallControl.Billing.Csv;
using CallControl.Billing.Tariffs;
using CallControl.Host.Provisioning;
using CallControl.Projections.Billing;
using Marten;
using NodaTime;

namespace CallControl.Host.Billing;

/// <summary>What a tariff import did: the errors (file, line, field) or the events it recorded.</summary>
public sealed record TariffImportOutcome(IReadOnlyList<TariffImportError> Errors, IReadOnlyList<TariffImportError> Warnings, IReadOnlyList<object> Events)
{
    public bool IsValid => Errors.Count == 0;
}

/// <summary>A billing command refused because of its input; the message names the argument.</summary>
public sealed class BillingInputException(string message) : Exception(message);

/// <summary>
/// Billing changes made by staff (CLI and HTTP): tariff imports, accounts, top-ups. Each runs in one transaction under
/// a PostgreSQL advisory lock, so two processes never decide from the same state.
/// </summary>
public sealed class BillingAdmin(IDocumentStore store, BillingLog log, IClock clock)
{
    // pg_advisory_xact_lock key: serializes billing administration across controller and CLI processes.
    internal const long AdvisoryLockKey = 0x43_43_42_49_4C_4C; // "CCBILL"

    /// <summary>Imports a CGRateS folder. New plan versions are effective from <paramref name="effectiveFrom"/> (default: now).
    /// Importing the same files again records nothing.</summary>
    public async Task<TariffImportOutcome> ImportTariffsAsync(string folder, TariffImportOptions options, Instant? effectiveFrom = null,
        bool dryRun = false, CancellationToken ct = default)
    {
        if (!Directory.Exists(folder)) throw new BillingInputException($"no such folder '{folder}'");
        return await ImportTariffsAsync(TariffCsvFiles.ReadFolder(folder), options, effectiveFrom, dryRun, ct);
    }

    public async Task<TariffImportOutcome> ImportTariffsAsync(TariffCsvFiles files, TariffImportOptions options, Instant? effectiveFrom = null,
        bool dryRun = false, CancellationToken ct = default)
    {
        return await Locked(async (session, state) =>
        {
            var known = state.Book.PlanIds.ToHashSet(StringComparer.Ordinal);
            var result = TariffCsv.Import(files, options with { KnownPlanIds = known });
            if (!result.IsValid) return (new TariffImportOutcome(result.Errors, result.Warnings, []), false);
            var now = clock.GetCurrentInstant();
            var events = result.ToEvents(state.Book, effectiveFrom ?? now, now);
            if (dryRun) return (new TariffImportOutcome([], result.Warnings, events), false);
            foreach (var e in events)
            {
                var stream = e switch
                {
                    TariffPlanImported p => BillingStreams.Tariff(p.PlanId),
                    RatingProfileAssigned r => BillingStreams.RatingProfile(r.AccountId),
                    _ => throw new InvalidOperationException($"unexpected tariff event {e.GetType().Name}"),
                };
                session.Events.Append(stream, e);
            }
            return (new TariffImportOutcome([], result.Warnings, events), events.Count > 0);
        }, ct);
    }

    /// <summary>The plan versions in force at <paramref name="at"/> and every profile, as CGRateS files.</summary>
    public async Task<TariffCsvFiles> ExportTariffsAsync(Instant? at = null, TariffImportOptions? options = null, CancellationToken ct = default)
    {
        var state = await log.LoadAsync(ct: ct);
        return TariffCsv.Export(state.Book, at ?? clock.GetCurrentInstant(), options);
    }

    /// <summary>Opens an account unless it exists (then nothing is recorded). Returns the events recorded.</summary>
    public Task<IReadOnlyList<object>> OpenAccountAsync(string accountId, AccountKind kind, string currency, decimal? creditLimit,
        decimal initialBalance = 0m, CancellationToken ct = default)
    {
        if (!IsValidId(accountId)) throw new BillingInputException($"account id '{accountId}' must be lower-case [a-z0-9._-], at most 63 characters");
        if (currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper)) throw new BillingInputException($"currency '{currency}' is not an ISO 4217 code such as EUR");
        if (creditLimit < 0) throw new BillingInputException($"credit limit {creditLimit} is negative");
        return Locked<IReadOnlyList<object>>(async (session, state) =>
        {
            await Task.CompletedTask;
            if (state.Accounts.ContainsKey(accountId)) return ([], false);
            var now = clock.GetCurrentInstant();
            var events = new List<object> { new AccountOpened(accountId, kind, currency, kind == AccountKind.Postpaid ? creditLimit : null, now) };
            if (initialBalance > 0) events.Add(new BalanceToppedUp(accountId, initialBalance, "opening balance", now));
            session.Events.Append(BillingStreams.Account(accountId), events.ToArray());
            return (events, true);
        }, ct);
    }

    /// <summary>Adds money to an account. The amount is in the account's currency and must be positive.</summary>
    public Task<BalanceToppedUp> TopUpAsync(string accountId, decimal amount, string? reference, CancellationToken ct = default)
    {
        if (amount <= 0) throw new BillingInputException($"amount {amount} must be positive");
        return Locked(async (session, state) =>
        {
            await Task.CompletedTask;
            if (!state.Accounts.ContainsKey(accountId)) throw new BillingInputException($"no account '{accountId}'");
            var e = new BalanceToppedUp(accountId, amount, string.IsNullOrWhiteSpace(reference) ? "top-up" : reference, clock.GetCurrentInstant());
            session.Events.Append(BillingStreams.Account(accountId), e);
            return (e, true);
        }, ct);
    }

    /// <summary>Runs <paramref name="decide"/> on the current billing state under the billing lock; its appends are
    /// committed when it says so.</summary>
    internal async Task<T> Locked<T>(Func<IDocumentSession, BillingState, Task<(T Result, bool Commit)>> decide, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        await session.BeginTransactionAsync(ct);
        await session.Connection!.ExecuteScalarAsync($"select pg_advisory_xact_lock({AdvisoryLockKey})", ct);
        var state = await log.LoadAsync(ct: ct);
        var (result, commit) = await decide(session, state);
        if (commit) await session.SaveChangesAsync(ct);
        return result;
    }

    internal Instant Now() => clock.GetCurrentInstant();

    private static bool IsValidId(string id) =>
        id.Length is > 0 and <= 63 && id.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '.' or '_' or '-');
}
