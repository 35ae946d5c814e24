using CallControl.Billing.Accounts;
using CallControl.Billing.Invoicing;
using CallControl.Billing.Rating;
using CallControl.Billing.Tariffs;
using NodaTime;
using Shouldly;
using Xunit;
using static CallControl.Billing.Tests.PlanBuilder;

namespace CallControl.Billing.Tests.Invoicing;

public class InvoicingTests
{
    private static readonly Interval March = new(Books.Utc(2026, 3, 1, 0, 0), Books.Utc(2026, 4, 1, 0, 0));

    private static ChargeLine Charge(string key, int day, string destinationId, int seconds, decimal amount) =>
        new(new CallKey(key), Books.Utc(2026, 3, day, 12, 0), "31201234567", destinationId, Duration.FromSeconds(seconds), amount);

    [Fact]
    public void Lines_per_destination_rounded_once_then_tax()
    {
        // DST_NL: 0.0417 + 0.0417 + 0.0004 = 0.0838 -> 0.08 (3 calls, 251s)
        // DST_UK: 0.2084 -> 0.21
        // subtotal 0.29; tax 21% = 0.0609 -> 0.06; total 0.35
        // a duplicate of c1 and a call from April are left out
        var invoice = Invoices.Build("INV-2026-03-001", "acc-1", March, "EUR",
        [
            Charge("c1", 2, "DST_NL", 125, 0.0417m),
            Charge("c2", 3, "DST_NL", 125, 0.0417m),
            Charge("c3", 4, "DST_NL", 1, 0.0004m),
            Charge("c4", 5, "DST_UK", 125, 0.2084m),
            Charge("c1", 2, "DST_NL", 125, 0.0417m),
            new ChargeLine(new CallKey("c5"), Books.Utc(2026, 4, 1, 0, 0), "31", "DST_NL", Duration.FromSeconds(60), 1m),
        ], 0.21m);
        invoice.Lines.ShouldBe(
        [
            new InvoiceLine("DST_NL", 3, Duration.FromSeconds(251), 0.08m),
            new InvoiceLine("DST_UK", 1, Duration.FromSeconds(125), 0.21m),
        ]);
        invoice.Subtotal.ShouldBe(0.29m);
        invoice.Tax.ShouldBe(0.06m);
        invoice.Total.ShouldBe(0.35m);
        invoice.Calls.ShouldBe([new CallKey("c1"), new CallKey("c2"), new CallKey("c3"), new CallKey("c4")]);
    }

    [Fact]
    public void Rerating_after_invoicing_becomes_a_note_never_a_rewrite()
    {
        // Calls charged at 0.02/min; invoice issued. Then a correction to 0.01/min effective since January.
        var jan = Books.Utc(2026, 1, 1, 0, 0);
        var nl2 = new PlanBuilder().Simple("31", Slot(0.02m, 60, 1)).Build();
        var nl1 = new PlanBuilder().Simple("31", Slot(0.01m, 60, 1)).Build();
        var corrected = TariffBook.From(
        [
            new TariffPlanImported("RP", 1, nl2, jan, jan),
            new RatingProfileAssigned("*any", "RP", jan, null, jan),
            new TariffPlanImported("RP", 2, nl1, jan, Books.Utc(2026, 4, 2, 0, 0)),
        ]);
        // c1: 600s at 0.02 = 0.20; c2: 300s at 0.02 = 0.10. Invoice subtotal 0.30, no tax.
        var invoice = Invoices.Build("INV-1", "acc-1", March, "EUR",
            [Charge("c1", 2, "DST_31", 600, 0.20m), Charge("c2", 3, "DST_31", 300, 0.10m)], 0m);
        invoice.Total.ShouldBe(0.30m);

        var reratings = new[]
        {
            ReRating.Compute(new CdrFacts(new CallKey("c1"), "acc-1", "31201234567", Books.Utc(2026, 3, 2, 12, 0), Duration.FromSeconds(600), 0.20m, "EUR"), corrected),
            ReRating.Compute(new CdrFacts(new CallKey("c2"), "acc-1", "31201234567", Books.Utc(2026, 3, 3, 12, 0), Duration.FromSeconds(300), 0.10m, "EUR"), corrected),
            ReRating.Compute(new CdrFacts(new CallKey("other"), "acc-1", "31201234567", Books.Utc(2026, 4, 3, 12, 0), Duration.FromSeconds(300), 0.10m, "EUR"), corrected),
        };
        // c1 -> 0.10 (-0.10), c2 -> 0.05 (-0.05); "other" is not on this invoice
        var note = Invoices.Note("CN-1", invoice, reratings).ShouldNotBeNull();
        note.InvoiceNumber.ShouldBe("INV-1");
        note.Lines.Select(l => (l.Call.Value, l.PreviousAmount, l.NewAmount, l.Difference)).ShouldBe(
            [("c1", 0.20m, 0.10m, -0.10m), ("c2", 0.10m, 0.05m, -0.05m)]);
        note.Total.ShouldBe(-0.15m);
        note.Kind.ShouldBe(NoteKind.Credit);
        invoice.Total.ShouldBe(0.30m); // the invoice itself is untouched

        // nothing changed -> no note
        Invoices.Note("CN-2", invoice, [ReRating.Compute(reratings[0].Facts with { PreviousCharge = 0.10m }, corrected)]).ShouldBeNull();
    }
}
