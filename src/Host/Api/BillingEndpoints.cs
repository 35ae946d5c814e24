using System.Globalization;
using CallControl.Billing.Rating;
using CallControl.Host.Billing;
using CallControl.Host.Cli;
using CallControl.Provisioning;
using Microsoft.AspNetCore.Http;
using NodaTime;
using Wolverine.Http;

namespace CallControl.Host.Api;

/// <summary>A top-up over HTTP.</summary>
public sealed record TopUpRequest(decimal Amount, string? Reason);

/// <summary>Invoice an account for a period over HTTP (dates or instants, as the CLI takes them).</summary>
public sealed record InvoiceRequest(string Account, string From, string To, decimal TaxRate = 0m);

/// <summary>HTTP API for billing: rating, reports, the cost-per-day chart, accounts, top-ups, invoices.</summary>
public static class BillingEndpoints
{
    /// <summary><c>GET /api/rate?account=acme&amp;to=+44...&amp;at=2026-11-26T10:00:00Z&amp;seconds=90</c></summary>
    [WolverineGet("/api/rate")]
    public static IResult Rate(HttpRequest request, LiveBilling billing, IClock clock)
    {
        var q = request.Query;
        var errors = new List<ProvisioningError>();
        var account = q["account"].ToString();
        var to = q["to"].ToString();
        if (account.Length == 0) errors.Add(new("account", "name the account that pays"));
        if (to.Length == 0) errors.Add(new("to", "give the destination as E.164"));
        var at = clock.GetCurrentInstant();
        if (q.ContainsKey("at") && BillingText.ParseInstant(q["at"].ToString()) is not { } parsed) errors.Add(new("at", $"'{q["at"]}' is not an ISO instant"));
        else if (q.ContainsKey("at")) at = BillingText.ParseInstant(q["at"].ToString())!.Value;
        if (!decimal.TryParse(q["seconds"].ToString(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) || seconds < 0)
            errors.Add(new("seconds", $"'{q["seconds"]}' is not a talk time in seconds"));
        if (errors.Count > 0) return Problems.BadRequest("Bad rate query", errors);
        var result = Rater.Rate(billing.Book, account, to, at, Duration.FromTicks((long)(seconds * NodaConstants.TicksPerSecond)));
        return Results.Json<object>(RateResponse.From(result), BillingText.Json);
    }

    /// <summary><c>GET /api/reports/rating?from=2026-11-01&amp;to=2026-11-30[&amp;account=][&amp;format=csv]</c></summary>
    [WolverineGet("/api/reports/rating")]
    public static async Task<IResult> RatingReport(HttpRequest request, BillingQueries queries)
    {
        if (Period(request, out var error) is not { } period) return error!;
        var account = Account(request);
        var rows = await queries.RatingReportAsync(period, account, request.HttpContext.RequestAborted);
        if (request.Query["format"] == "csv")
        {
            var writer = new StringWriter(CultureInfo.InvariantCulture);
            await BillingText.WriteReportCsvAsync(writer, rows);
            return Results.Text(writer.ToString(), "text/csv");
        }
        return Results.Json(new { from = period.Start, to = period.End, account, rows, totals = rows.GroupBy(r => r.Currency)
            .Select(g => new { currency = g.Key, calls = g.Sum(r => r.Calls), minutes = g.Sum(r => r.Minutes), cost = g.Sum(r => r.Cost) }) }, BillingText.Json);
    }

    /// <summary><c>GET /reports/cost-per-day?from=&amp;to=[&amp;account=]</c>: an HTML page with an inline SVG chart.</summary>
    [WolverineGet("/reports/cost-per-day")]
    public static async Task<IResult> CostPerDay(HttpRequest request, BillingQueries queries)
    {
        if (Period(request, out var error) is not { } period) return error!;
        var account = Account(request);
        var days = await queries.CostPerDayAsync(period, account, request.HttpContext.RequestAborted);
        return Results.Content(BillingText.CostPerDayHtml(days, period, account), "text/html; charset=utf-8");
    }

    /// <summary><c>GET /api/accounts[?at=INSTANT]</c>: balances now (the live state) or as of an instant (a fold).</summary>
    [WolverineGet("/api/accounts")]
    public static async Task<IResult> Accounts(HttpRequest request, LiveBilling billing, BillingLog log)
    {
        BillingState state;
        if (request.Query.ContainsKey("at"))
        {
            if (BillingText.ParseInstant(request.Query["at"].ToString()) is not { } at)
                return Problems.BadRequest("Bad 'at' parameter", [new ProvisioningError("at", $"'{request.Query["at"]}' is not an ISO instant")]);
            state = await log.LoadAsync(at, request.HttpContext.RequestAborted);
        }
        else state = billing.State;
        return Results.Json(state.Accounts.Values.OrderBy(a => a.AccountId, StringComparer.Ordinal).Select(a => new
        {
            account = a.AccountId, kind = a.Kind.ToString().ToLowerInvariant(), currency = a.Currency, balance = a.Balance,
            reserved = a.Reserved, available = a.Kind == CallControl.Billing.Accounts.AccountKind.Postpaid && a.CreditLimit is null ? (decimal?)null : a.Available,
            creditLimit = a.CreditLimit, callsCharged = a.ChargedCount,
        }), BillingText.Json);
    }

    /// <summary><c>POST /api/accounts/{account}/topups</c> with <c>{"amount": 10.00, "reason": "..."}</c>.</summary>
    [WolverinePost("/api/accounts/{account}/topups")]
    public static async Task<IResult> TopUp(string account, TopUpRequest body, BillingAdmin admin, LiveBilling billing, HttpContext context)
    {
        try
        {
            var e = await admin.TopUpAsync(account, body.Amount, body.Reason, context.RequestAborted);
            await billing.RefreshAsync(context.RequestAborted);
            return Results.Json(new { e.AccountId, e.Amount, e.Reference, balance = billing.Account(account)?.Balance }, BillingText.Json);
        }
        catch (BillingInputException ex)
        {
            return Problems.BadRequest("Bad top-up", [new ProvisioningError("amount", ex.Message)]);
        }
    }

    /// <summary><c>POST /api/invoices</c>: issue the invoice (or the note for later re-ratings); answers with the invoice document.</summary>
    [WolverinePost("/api/invoices")]
    public static async Task<IResult> Issue(InvoiceRequest body, InvoiceService invoices, BillingQueries queries, HttpContext context)
    {
        if (BillingText.ParsePeriod(body.From, body.To, out var error) is not { } period)
            return Problems.BadRequest("Bad invoice period", [new ProvisioningError("from/to", error!)]);
        try
        {
            var outcome = await invoices.InvoiceAsync(body.Account, period, body.TaxRate, context.RequestAborted);
            return Results.Json(new { summary = outcome.Summary, invoice = await queries.InvoiceAsync(outcome.Invoice.Number, context.RequestAborted) }, BillingText.Json);
        }
        catch (BillingInputException ex)
        {
            return Problems.BadRequest("Bad invoice request", [new ProvisioningError("account", ex.Message)]);
        }
    }

    /// <summary><c>GET /api/invoices/{number}[?format=csv]</c>: the issued invoice and its notes.</summary>
    [WolverineGet("/api/invoices/{number}")]
    public static async Task<IResult> Invoice(string number, HttpRequest request, BillingQueries queries)
    {
        var view = await queries.InvoiceAsync(number, request.HttpContext.RequestAborted);
        if (view is null) return Results.Problem(statusCode: 404, title: "Unknown invoice", detail: $"No invoice '{number}'");
        if (request.Query["format"] == "csv")
        {
            var writer = new StringWriter(CultureInfo.InvariantCulture);
            await BillingText.WriteInvoiceCsvAsync(writer, view.Invoice, view.Notes);
            return Results.Text(writer.ToString(), "text/csv");
        }
        return Results.Json(view, BillingText.Json);
    }

    private static Interval? Period(HttpRequest request, out IResult? error)
    {
        var period = BillingText.ParsePeriod(request.Query["from"].ToString(), request.Query["to"].ToString(), out var message);
        error = period is null ? Problems.BadRequest("Bad period", [new ProvisioningError("from/to", message!)]) : null;
        return period;
    }

    private static string? Account(HttpRequest request) => request.Query["account"].ToString() is { Length: > 0 } a ? a : null;
}
