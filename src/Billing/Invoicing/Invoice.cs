using CallControl.Billing.Accounts;
using CallControl.Billing.Money;
using CallControl.Billing.Rating;
using NodaTime;

namespace CallControl.Billing.Invoicing;

/// <summary>One charged call as the invoice sees it (from <see cref="CallCharged"/> plus the CDR).</summary>
public sealed record ChargeLine(CallKey Call, Instant Start, string Destination, string DestinationId, Duration Duration, decimal Amount);

/// <summary>Calls to one destination: count, time and amount (the sum of the call charges, rounded once).</summary>
public sealed record InvoiceLine(string DestinationId, int Calls, Duration Duration, decimal Amount);

/// <summary>
/// An issued invoice. It is never changed: later differences become a <see cref="CreditDebitNote"/> that refers to it.
/// </summary>
public sealed record Invoice(
    string Number,
    string AccountId,
    Interval Period,
    string Currency,
    IReadOnlyList<InvoiceLine> Lines,
    IReadOnlyList<CallKey> Calls,
    decimal Subtotal,
    decimal TaxRate,
    decimal Tax,
    decimal Total);

/// <summary>A re-rated call on a note: what the invoice charged, what it should have been, the difference.</summary>
public sealed record NoteLine(CallKey Call, string Destination, decimal PreviousAmount, decimal NewAmount, decimal Difference);

public enum NoteKind
{
    /// <summary>The customer is owed money.</summary>
    Credit,
    /// <summary>The customer owes more.</summary>
    Debit,
}

/// <summary>Corrects an invoice after re-rating. Amounts are signed: negative totals are credits.</summary>
public sealed record CreditDebitNote(
    string Number,
    string InvoiceNumber,
    string AccountId,
    string Currency,
    IReadOnlyList<NoteLine> Lines,
    decimal Subtotal,
    decimal TaxRate,
    decimal Tax,
    decimal Total)
{
    public NoteKind Kind => Total < 0 ? NoteKind.Credit : NoteKind.Debit;
}

/// <summary>
/// Pure invoicing. Call charges keep the precision the rater gave them (e.g. 4 decimals); an invoice line adds the
/// charges of its calls and rounds the sum once with <see cref="RoundingRule.Cents"/> (half away from zero, 2
/// decimals); subtotal = sum of lines; tax = subtotal * rate, rounded the same way; total = subtotal + tax.
/// </summary>
public static class Invoices
{
    /// <summary>
    /// Lines per destination for the calls that started in <paramref name="period"/>. A call appearing twice (a
    /// duplicate charge) is counted once.
    /// </summary>
    public static Invoice Build(string number, string accountId, Interval period, string currency, IEnumerable<ChargeLine> charges, decimal taxRate)
    {
        var seen = new HashSet<CallKey>();
        var byDestination = new SortedDictionary<string, (int Calls, Duration Duration, decimal Amount)>(StringComparer.Ordinal);
        var calls = new List<CallKey>();
        foreach (var c in charges)
        {
            if (!period.Contains(c.Start) || !seen.Add(c.Call))
            {
                continue;
            }
            calls.Add(c.Call);
            byDestination.TryGetValue(c.DestinationId, out var sum);
            byDestination[c.DestinationId] = (sum.Calls + 1, sum.Duration + c.Duration, sum.Amount + c.Amount);
        }
        var lines = byDestination.Select(kv => new InvoiceLine(kv.Key, kv.Value.Calls, kv.Value.Duration, RoundingRule.Cents.Apply(kv.Value.Amount))).ToList();
        var subtotal = lines.Sum(l => l.Amount);
        var tax = RoundingRule.Cents.Apply(subtotal * taxRate);
        return new Invoice(number, accountId, period, currency, lines, calls, subtotal, taxRate, tax, subtotal + tax);
    }

    /// <summary>
    /// A note for the re-ratings of calls on <paramref name="invoice"/> whose charge changed; null when none did.
    /// Re-ratings of calls that are not on the invoice are left for the invoice that has them.
    /// </summary>
    public static CreditDebitNote? Note(string number, Invoice invoice, IEnumerable<ReRatingResult> reRatings)
    {
        var onInvoice = invoice.Calls.ToHashSet();
        var lines = new List<NoteLine>();
        foreach (var r in reRatings)
        {
            if (r.Difference != 0 && onInvoice.Contains(r.Facts.Call) && r.Facts.AccountId == invoice.AccountId)
            {
                lines.Add(new NoteLine(r.Facts.Call, r.Facts.Destination, r.Facts.PreviousCharge, r.NewCharge, r.Difference));
            }
        }
        if (lines.Count == 0)
        {
            return null;
        }
        var subtotal = RoundingRule.Cents.Apply(lines.Sum(l => l.Difference));
        var tax = RoundingRule.Cents.Apply(subtotal * invoice.TaxRate);
        return new CreditDebitNote(number, invoice.Number, invoice.AccountId, invoice.Currency, lines, subtotal, invoice.TaxRate, tax, subtotal + tax);
    }
}
