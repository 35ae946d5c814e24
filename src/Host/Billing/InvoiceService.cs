using CallControl.Billing.Accounts;
using CallControl.Billing.Invoicing;
using CallControl.Billing.Rating;
using CallControl.Projections.Billing;
using NodaTime;

namespace CallControl.Host.Billing;

/// <summary>What <c>invoice</c> did: issued an invoice, issued a note for an invoice already issued, or found nothing new.</summary>
public sealed record InvoicingOutcome(InvoiceIssued Invoice, CreditNoteIssued? Note, bool InvoiceIsNew)
{
    public string Summary => InvoiceIsNew
        ? $"invoice {Invoice.Number} issued: {Invoice.Calls.Count} call(s), total {Invoice.Total} {Invoice.Currency}"
        : Note is { } n
            ? $"invoice {Invoice.Number} was already issued; {n.Kind} note {n.Number} issued for {n.Lines.Count} re-rated call(s): {n.Total} {n.Currency}"
            : $"invoice {Invoice.Number} was already issued; nothing changed since";
}

/// <summary>
/// Issues an account's invoice for a period: the rated calls that started in it and are on no earlier invoice, pinned with
/// the amounts they carry (<see cref="InvoiceIssued"/> on the account stream). Asked again for the same period, it never
/// rewrites the invoice: calls re-rated since it (or its last note) become a credit or debit note.
/// </summary>
public sealed class InvoiceService(BillingAdmin admin, BillingQueries queries, BillingLog log, IClock clock)
{
    public Task<InvoicingOutcome> InvoiceAsync(string accountId, Interval period, decimal taxRate = 0m, CancellationToken ct = default)
    {
        if (taxRate is < 0 or > 1) throw new BillingInputException($"tax rate {taxRate} must be between 0 and 1 (0.21 for 21%)");
        return admin.Locked(async (session, state) =>
        {
            if (!state.Accounts.TryGetValue(accountId, out var account)) throw new BillingInputException($"no account '{accountId}'");
            var stream = await log.AccountStreamAsync(accountId, ct);
            var invoices = stream.OfType<InvoiceIssued>().ToList();
            var notes = stream.OfType<CreditNoteIssued>().ToList();
            var now = clock.GetCurrentInstant();

            if (invoices.FirstOrDefault(i => i.PeriodStart == period.Start && i.PeriodEnd == period.End) is { } issued)
            {
                var note = NoteFor(issued, notes.Where(n => n.InvoiceNumber == issued.Number).ToList(), await queries.RatedCallsAsync(period, accountId, ct), now);
                if (note is not null) session.Events.Append(BillingStreams.Account(accountId), note);
                return (new InvoicingOutcome(issued, note, false), note is not null);
            }

            var alreadyInvoiced = invoices.SelectMany(i => i.Calls).Select(c => c.CallKey).ToHashSet(StringComparer.Ordinal);
            var calls = (await queries.RatedCallsAsync(period, accountId, ct)).Where(c => !alreadyInvoiced.Contains(c.Id)).ToList();
            var number = $"INV-{accountId}-{invoices.Count + 1:D4}";
            var invoice = Invoices.Build(number, accountId, period, account.Currency,
                calls.Select(c => new ChargeLine(new CallKey(c.Id), c.Start, c.Destination, c.DestinationId, c.Duration, c.Amount)), taxRate);
            var pinned = calls.Select(c => new InvoicedCall(c.Id, c.Start, c.Destination, c.DestinationId, c.Duration, c.Amount)).ToList();
            var e = new InvoiceIssued(number, accountId, period.Start, period.End, account.Currency, invoice.Lines, pinned,
                invoice.Subtotal, invoice.TaxRate, invoice.Tax, invoice.Total, now);
            session.Events.Append(BillingStreams.Account(accountId), e);
            return (new InvoicingOutcome(e, null, true), true);
        }, ct);
    }

    /// <summary>A note for the calls whose amount moved since the invoice (or since the last note that covered them).</summary>
    private static CreditNoteIssued? NoteFor(InvoiceIssued issued, IReadOnlyList<CreditNoteIssued> earlier, IReadOnlyList<RatedCallView> current, Instant now)
    {
        var billed = issued.Calls.ToDictionary(c => c.CallKey, c => c.Amount, StringComparer.Ordinal);
        foreach (var line in earlier.SelectMany(n => n.Lines)) billed[line.Call.Value] = line.NewAmount;
        var byId = current.ToDictionary(c => c.Id, StringComparer.Ordinal);
        var reRatings = new List<ReRatingResult>();
        foreach (var call in issued.Calls)
        {
            if (!byId.TryGetValue(call.CallKey, out var view)) continue;
            var previous = billed[call.CallKey];
            var difference = view.Amount - previous;
            if (difference == 0) continue;
            var facts = new CdrFacts(new CallKey(call.CallKey), issued.AccountId, call.Destination, call.Start, call.Duration, previous, issued.Currency);
            reRatings.Add(new ReRatingResult(facts, view.ToRatedCall(), view.Amount, difference,
                difference > 0 ? ReRatingOutcome.Debit : ReRatingOutcome.Credit, "re-rated since the invoice"));
        }
        var invoice = new Invoice(issued.Number, issued.AccountId, new Interval(issued.PeriodStart, issued.PeriodEnd), issued.Currency,
            issued.Lines, issued.Calls.Select(c => new CallKey(c.CallKey)).ToList(), issued.Subtotal, issued.TaxRate, issued.Tax, issued.Total);
        var note = Invoices.Note($"{issued.Number}-N{earlier.Count + 1}", invoice, reRatings);
        return note is null ? null
            : new CreditNoteIssued(note.Number, note.InvoiceNumber, note.AccountId, note.Currency, note.Lines, note.Subtotal, note.TaxRate, note.Tax, note.Total, now);
    }
}
