using Marten.Events.Projections;

namespace CallControl.Projections.Billing;

/// <summary>An issued invoice as a document, with the notes that corrected it since. The invoice itself never changes.</summary>
public sealed record InvoiceView
{
    public string Id { get; init; } = "";
    public InvoiceIssued Invoice { get; init; } = null!;
    public IReadOnlyList<CreditNoteIssued> Notes { get; init; } = [];
}

public sealed class InvoiceProjection : MultiStreamProjection<InvoiceView, string>
{
    public InvoiceProjection()
    {
        Identity<InvoiceIssued>(e => e.Number);
        Identity<CreditNoteIssued>(e => e.InvoiceNumber);
    }

    public static InvoiceView Create(InvoiceIssued e) => new() { Id = e.Number, Invoice = e };

    public static InvoiceView Apply(CreditNoteIssued e, InvoiceView view) => view with { Notes = [.. view.Notes, e] };
}
