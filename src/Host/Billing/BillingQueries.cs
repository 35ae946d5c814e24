using CallControl.Projections.Billing;
using Marten;
using NodaTime;

namespace CallControl.Host.Billing;

/// <summary>One row of the rating report: an account's calls to one destination prefix on one day (UTC).</summary>
public sealed record RatingReportRow(string AccountId, string Prefix, LocalDate Day, int Calls, decimal Minutes, decimal Cost, string Currency);

/// <summary>Cost of all calls (or one account's) on one day (UTC), per currency.</summary>
public sealed record CostPerDay(LocalDate Day, string Currency, int Calls, decimal Cost);

/// <summary>Read side of billing shared by the CLI and the HTTP API: rated CDRs, reports, invoices.</summary>
public sealed class BillingQueries(IDocumentStore store)
{
    /// <summary>Rated calls that started in <paramref name="period"/>, oldest first.</summary>
    public async Task<IReadOnlyList<RatedCallView>> RatedCallsAsync(Interval period, string? accountId = null, CancellationToken ct = default)
    {
        var from = period.Start.ToUnixTimeMilliseconds();
        var to = period.End.ToUnixTimeMilliseconds();
        await using var session = store.QuerySession();
        var query = session.Query<RatedCallView>().Where(v => v.StartMs >= from && v.StartMs < to);
        if (accountId is not null) query = query.Where(v => v.AccountId == accountId);
        var views = await query.OrderBy(v => v.StartMs).ThenBy(v => v.Id).ToListAsync(ct);
        return views;
    }

    /// <summary>Calls, minutes and cost by account, matched destination prefix and day. Cost is what is owed now (after re-rating).</summary>
    public async Task<IReadOnlyList<RatingReportRow>> RatingReportAsync(Interval period, string? accountId = null, CancellationToken ct = default)
    {
        var calls = await RatedCallsAsync(period, accountId, ct);
        return calls
            .GroupBy(c => (c.AccountId, c.MatchedPrefix, Day: c.Start.InUtc().Date, c.Currency))
            .OrderBy(g => g.Key.AccountId, StringComparer.Ordinal).ThenBy(g => g.Key.Day).ThenBy(g => g.Key.MatchedPrefix, StringComparer.Ordinal)
            .Select(g => new RatingReportRow(g.Key.AccountId, "+" + g.Key.MatchedPrefix, g.Key.Day, g.Count(),
                Math.Round(g.Sum(c => (decimal)c.Duration.TotalSeconds) / 60m, 2, MidpointRounding.AwayFromZero), g.Sum(c => c.Amount), g.Key.Currency))
            .ToList();
    }

    public async Task<IReadOnlyList<CostPerDay>> CostPerDayAsync(Interval period, string? accountId = null, CancellationToken ct = default)
    {
        var calls = await RatedCallsAsync(period, accountId, ct);
        return calls.GroupBy(c => (Day: c.Start.InUtc().Date, c.Currency))
            .OrderBy(g => g.Key.Day).ThenBy(g => g.Key.Currency, StringComparer.Ordinal)
            .Select(g => new CostPerDay(g.Key.Day, g.Key.Currency, g.Count(), g.Sum(c => c.Amount)))
            .ToList();
    }

    public async Task<InvoiceView?> InvoiceAsync(string number, CancellationToken ct = default)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<InvoiceView>(number, ct);
    }
}
