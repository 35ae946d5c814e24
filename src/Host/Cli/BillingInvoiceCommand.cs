using System.ComponentModel;
using System.Globalization;
using CallControl.Host.Billing;
using CallControl.Projections.Billing;
using NodaTime.Text;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CallControl.Host.Cli;

public sealed class InvoiceSettings : PeriodSettings
{
    [CommandOption("--tax-rate <RATE>")]
    [Description("Tax rate as a fraction (0.21 for 21%); default 0")]
    public decimal TaxRate { get; init; }

    [CommandOption("--format <FORMAT>")]
    [Description("table (default) or csv")]
    public string Format { get; init; } = "table";

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Account) ? ValidationResult.Error("--account: name the account to invoice")
        : TaxRate is < 0 or > 1 ? ValidationResult.Error($"--tax-rate: {TaxRate} is not between 0 and 1")
        : Format is not ("table" or "csv") ? ValidationResult.Error($"--format: '{Format}' is not table or csv")
        : base.Validate();
}

/// <summary>
/// <c>callcontrol invoice --account --from --to</c>: issues the period's invoice (pinning each call's amount). Asked again
/// for the same period after a re-rating, it issues a credit or debit note; the invoice itself never changes.
/// </summary>
public sealed class InvoiceCommand : AsyncCommand<InvoiceSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, InvoiceSettings settings, CancellationToken ct)
    {
        using var cli = await BillingCli.OpenAsync(settings);
        InvoicingOutcome outcome;
        try
        {
            outcome = await cli.Invoices.InvoiceAsync(settings.Account!, settings.Period, settings.TaxRate, ct);
        }
        catch (BillingInputException ex)
        {
            return Exit.Usage($"invoice: {ex.Message}");
        }
        var view = await cli.Queries.InvoiceAsync(outcome.Invoice.Number, ct);
        var notes = view?.Notes ?? [];
        if (settings.Format == "csv")
        {
            await BillingText.WriteInvoiceCsvAsync(Console.Out, outcome.Invoice, notes);
            return 0;
        }
        Render(outcome.Invoice, notes);
        AnsiConsole.MarkupLineInterpolated($"{outcome.Summary}");
        return 0;
    }

    private static void Render(InvoiceIssued invoice, IReadOnlyList<CreditNoteIssued> notes)
    {
        var c = CultureInfo.InvariantCulture;
        AnsiConsole.MarkupLineInterpolated($"[bold]Invoice {invoice.Number}[/] account {invoice.AccountId}, {InstantPattern.ExtendedIso.Format(invoice.PeriodStart)} to {InstantPattern.ExtendedIso.Format(invoice.PeriodEnd)}");
        var table = new Table().AddColumns("destination", "calls", "minutes", "amount");
        foreach (var l in invoice.Lines)
            table.AddRow(Markup.Escape(l.DestinationId), l.Calls.ToString(c), (l.Duration.TotalSeconds / 60).ToString("0.00", c), Markup.Escape($"{BillingText.Money(l.Amount)} {invoice.Currency}"));
        table.AddRow("subtotal", "", "", BillingText.Money(invoice.Subtotal));
        table.AddRow(Markup.Escape($"tax {invoice.TaxRate.ToString(c)}"), "", "", BillingText.Money(invoice.Tax));
        table.AddRow("[bold]total[/]", "", "", Markup.Escape($"{BillingText.Money(invoice.Total)} {invoice.Currency}"));
        AnsiConsole.Write(table);
        foreach (var n in notes)
        {
            AnsiConsole.MarkupLineInterpolated($"[bold]{n.Kind} note {n.Number}[/] for invoice {n.InvoiceNumber}");
            var t = new Table().AddColumns("call", "destination", "invoiced", "now", "difference");
            foreach (var l in n.Lines)
                t.AddRow(Markup.Escape(l.Call.Value), Markup.Escape(l.Destination), BillingText.Money(l.PreviousAmount), BillingText.Money(l.NewAmount), BillingText.Money(l.Difference));
            t.AddRow("[bold]total[/]", "", "", "", Markup.Escape($"{BillingText.Money(n.Total)} {n.Currency}"));
            AnsiConsole.Write(t);
        }
    }
}
