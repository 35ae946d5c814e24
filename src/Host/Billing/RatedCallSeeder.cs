using CallControl.Billing.Accounts;
using CallControl.Billing.Csv;
using CallControl.Billing.Rating;
using CallControl.Projections.Billing;
using JasperFx.Events;
using Marten;
using Weasel.Core;
using NodaTime;

namespace CallControl.Host.Billing;

/// <summary>
/// Development only (<c>callcontrol dev seed-cdrs</c>, the re-rating benchmark): fills a throw-away event store with
/// rated calls as the controller records them — <see cref="CallRated"/> on each call's stream (the rated CDR follows
/// inline) and <see cref="CallCharged"/> on the account stream — in batches. For speed the call streams are written with
/// Marten's COPY bulk event insert and their rated CDRs with the document bulk insert (what the inline projection would
/// write, <see cref="RatedCallProjection.ViewOf"/>); the charges are appended normally, one transaction per batch. Calls alternate
/// between +44 and +31 (so a change of one destination's price changes about half of them), start
/// <see cref="Spacing"/> apart from <c>from</c>, and last 1 s to 30 min (fixed seed, so runs are comparable).
/// </summary>
public sealed class RatedCallSeeder(DocumentStore store, BillingAdmin admin, BillingLog log)
{
    public static readonly Duration Spacing = Duration.FromSeconds(2);

    public async Task<int> SeedAsync(string accountId, int calls, Instant from, int batchSize = 2000, IProgress<int>? progress = null,
        CancellationToken ct = default)
    {
        if (calls <= 0) throw new BillingInputException($"--calls {calls} must be positive");
        if (batchSize <= 0) throw new BillingInputException($"--batch {batchSize} must be positive");
        var state = await log.LoadAsync(ct: ct);
        if (!state.Book.PlanIds.Any())
        {
            var import = await admin.ImportTariffsAsync(BillingStartup.DemoTariffFolder, new TariffImportOptions("EUR"), BillingStartup.DemoTariffsEffectiveFrom, ct: ct);
            if (!import.IsValid) throw new InvalidOperationException(string.Join("; ", import.Errors));
        }
        await admin.OpenAccountAsync(accountId, AccountKind.Postpaid, "EUR", creditLimit: null, ct: ct);
        var book = (await log.LoadAsync(ct: ct)).Book;

        var random = new Random(42);
        var done = 0;
        while (done < calls)
        {
            var count = Math.Min(batchSize, calls - done);
            var charges = new object[count];
            var streams = new List<StreamAction>(count);
            var views = new List<RatedCallView>(count);
            for (var i = 0; i < count; i++)
            {
                var n = done + i;
                var key = $"call:seed-{accountId}-{n};s";
                var start = from + Spacing * n;
                var talk = Duration.FromMilliseconds(random.Next(1_000, 1_800_000));
                var destination = n % 2 == 0 ? "+442071234567" : "+31201234567";
                if (Rater.Rate(book, accountId, destination, start, talk) is not RatedCall rated)
                    throw new InvalidOperationException($"the tariffs have no rate for {destination} at {start}");
                var end = start + talk;
                var e = CallRated.From(key, rated, end);
                streams.Add(StreamAction.Start((IEventRegistry)store.Options.Events, key, e));
                views.Add(RatedCallProjection.ViewOf(e));
                charges[i] = new CallCharged(accountId, new CallKey(key), rated.Total, end);
            }
            await store.BulkInsertEventsAsync(streams, batchSize, ct);
            await store.BulkInsertAsync(views, BulkInsertMode.InsertsOnly, batchSize, ct);
            await using var session = store.LightweightSession();
            session.Events.Append(BillingStreams.Account(accountId), charges);
            await session.SaveChangesAsync(ct);
            done += count;
            progress?.Report(done);
        }
        return done;
    }
}
