using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CallControl.Projections.Billing;
using CsvHelper;
using NodaTime;
using NodaTime.Serialization.SystemTextJson;
using NodaTime.Text;

namespace CallControl.Host.Billing;

/// <summary>Renderings shared by the CLI and the HTTP API: CSV, JSON, the cost-per-day chart, and argument parsing.</summary>
public static class BillingText
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static readonly JsonSerializerOptions Json = CreateJson();

    private static JsonSerializerOptions CreateJson()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true };
        o.Converters.Add(new JsonStringEnumConverter());
        o.ConfigureForNodaTime(DateTimeZoneProviders.Tzdb);
        o.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        return o;
    }

    /// <summary>
    /// A period from two arguments: dates (<c>2026-11-01</c>, UTC days, <paramref name="to"/> included) or ISO instants
    /// (<paramref name="to"/> excluded). Null and an error naming the argument when either is bad.
    /// </summary>
    public static Interval? ParsePeriod(string? from, string? to, out string? error)
    {
        error = null;
        var start = ParseBound(from, "--from", endOfDay: false, ref error);
        var end = ParseBound(to, "--to", endOfDay: true, ref error);
        if (error is not null || start is null || end is null) return null;
        if (end <= start)
        {
            error = $"--to: '{to}' is not after --from '{from}'";
            return null;
        }
        return new Interval(start.Value, end.Value);
    }

    private static Instant? ParseBound(string? text, string name, bool endOfDay, ref string? error)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            error ??= $"{name}: give a date (2026-11-01) or an instant (2026-11-01T00:00:00Z)";
            return null;
        }
        var date = LocalDatePattern.Iso.Parse(text);
        if (date.Success) return (endOfDay ? date.Value.PlusDays(1) : date.Value).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant();
        var instant = InstantPattern.ExtendedIso.Parse(text);
        if (instant.Success) return instant.Value;
        error ??= $"{name}: '{text}' is neither a date (2026-11-01) nor an instant (2026-11-01T00:00:00Z)";
        return null;
    }

    public static Instant? ParseInstant(string? text) =>
        text is null ? null : InstantPattern.ExtendedIso.Parse(text) is { Success: true } r ? r.Value : null;

    public static string Money(decimal amount) => amount.ToString("0.00##########", C);

    public static async Task WriteReportCsvAsync(TextWriter writer, IReadOnlyList<RatingReportRow> rows)
    {
        await using var csv = CsvWriter.Create(writer, null, leaveOpen: true);
        foreach (var h in new[] { "account", "prefix", "day", "calls", "minutes", "cost", "currency" }) csv.WriteField(h);
        await csv.EndRecordAsync();
        foreach (var r in rows)
        {
            csv.WriteField(r.AccountId);
            csv.WriteField(r.Prefix);
            csv.WriteField(LocalDatePattern.Iso.Format(r.Day));
            csv.WriteField(r.Calls.ToString(C));
            csv.WriteField(r.Minutes.ToString(C));
            csv.WriteField(Money(r.Cost));
            csv.WriteField(r.Currency);
            await csv.EndRecordAsync();
        }
    }

    /// <summary>The invoice and its notes as CSV: one row per call line, then the totals.</summary>
    public static async Task WriteInvoiceCsvAsync(TextWriter writer, InvoiceIssued invoice, IReadOnlyList<CreditNoteIssued> notes)
    {
        await using var csv = CsvWriter.Create(writer, null, leaveOpen: true);
        foreach (var h in new[] { "document", "kind", "call", "start", "destination", "destination_id", "seconds", "amount", "currency" }) csv.WriteField(h);
        await csv.EndRecordAsync();
        async Task Row(params string[] fields)
        {
            foreach (var f in fields) csv.WriteField(f);
            await csv.EndRecordAsync();
        }
        foreach (var c in invoice.Calls)
            await Row(invoice.Number, "call", c.CallKey, InstantPattern.ExtendedIso.Format(c.Start), c.Destination, c.DestinationId,
                c.Duration.TotalSeconds.ToString("0.###", C), Money(c.Amount), invoice.Currency);
        foreach (var l in invoice.Lines)
            await Row(invoice.Number, "line", "", "", "", l.DestinationId, l.Duration.TotalSeconds.ToString("0.###", C), Money(l.Amount), invoice.Currency);
        await Row(invoice.Number, "subtotal", "", "", "", "", "", Money(invoice.Subtotal), invoice.Currency);
        await Row(invoice.Number, "tax", "", "", "", "", "", Money(invoice.Tax), invoice.Currency);
        await Row(invoice.Number, "total", "", "", "", "", "", Money(invoice.Total), invoice.Currency);
        foreach (var n in notes)
        {
            foreach (var l in n.Lines)
                await Row(n.Number, n.Kind + "-note-call", l.Call.Value, "", l.Destination, "", "", Money(l.Difference), n.Currency);
            await Row(n.Number, n.Kind + "-note-total", "", "", "", "", "", Money(n.Total), n.Currency);
        }
    }

    /// <summary>An HTML page with an inline SVG bar chart of the cost per day (one bar per day and currency).</summary>
    public static string CostPerDayHtml(IReadOnlyList<CostPerDay> days, Interval period, string? accountId)
    {
        const int width = 860, height = 320, left = 70, bottom = 40, top = 20;
        var all = new List<CostPerDay>();
        var firstDay = period.Start.InUtc().Date;
        var lastDay = (period.End - Duration.FromTicks(1)).InUtc().Date;
        var currency = days.Select(d => d.Currency).Distinct().FirstOrDefault() ?? "EUR";
        for (var d = firstDay; d <= lastDay && all.Count < 366; d = d.PlusDays(1))
            all.Add(days.FirstOrDefault(x => x.Day == d && x.Currency == currency) ?? new CostPerDay(d, currency, 0, 0m));
        var max = Math.Max(all.Count == 0 ? 0m : all.Max(d => d.Cost), 0.01m);
        var plotW = width - left - 10;
        var plotH = height - top - bottom;
        var slot = all.Count == 0 ? plotW : (double)plotW / all.Count;
        var title = $"Cost per day{(accountId is null ? "" : $" — account {accountId}")}, {LocalDatePattern.Iso.Format(firstDay)} to {LocalDatePattern.Iso.Format(lastDay)} ({currency})";
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>").Append(WebUtility.HtmlEncode(title)).Append("</title>")
          .Append("<style>body{font-family:sans-serif;margin:2em}rect.bar{fill:#3b6ea5}text{font-size:11px}</style></head><body>")
          .Append("<h1>").Append(WebUtility.HtmlEncode(title)).Append("</h1>")
          .Append(C, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"cost per day\">");
        sb.Append(C, $"<line x1=\"{left}\" y1=\"{top + plotH}\" x2=\"{width - 10}\" y2=\"{top + plotH}\" stroke=\"#333\"/>")
          .Append(C, $"<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{top + plotH}\" stroke=\"#333\"/>");
        for (var i = 0; i <= 4; i++)
        {
            var value = max * i / 4;
            var y = top + plotH - (double)(value / max) * plotH;
            sb.Append(C, $"<text x=\"{left - 6}\" y=\"{y + 4:0.#}\" text-anchor=\"end\">{Money(Math.Round(value, 4))}</text>");
        }
        for (var i = 0; i < all.Count; i++)
        {
            var d = all[i];
            var h = (double)(d.Cost / max) * plotH;
            var x = left + i * slot + slot * 0.1;
            sb.Append(C, $"<rect class=\"bar\" x=\"{x:0.##}\" y=\"{top + plotH - h:0.##}\" width=\"{slot * 0.8:0.##}\" height=\"{h:0.##}\">")
              .Append(C, $"<title>{LocalDatePattern.Iso.Format(d.Day)}: {Money(d.Cost)} {d.Currency}, {d.Calls} call(s)</title></rect>");
            if (all.Count <= 31 || i % (all.Count / 15 + 1) == 0)
                sb.Append(C, $"<text x=\"{x + slot * 0.4:0.##}\" y=\"{top + plotH + 14}\" text-anchor=\"middle\">{d.Day.Day:00}/{d.Day.Month:00}</text>");
        }
        sb.Append("</svg>");
        sb.Append("<table border=\"1\" cellpadding=\"4\"><tr><th>day</th><th>calls</th><th>cost</th></tr>");
        foreach (var d in all.Where(d => d.Calls > 0))
            sb.Append(C, $"<tr><td>{LocalDatePattern.Iso.Format(d.Day)}</td><td>{d.Calls}</td><td>{Money(d.Cost)} {WebUtility.HtmlEncode(d.Currency)}</td></tr>");
        sb.Append(C, $"<tr><th>total</th><th>{all.Sum(d => d.Calls)}</th><th>{Money(all.Sum(d => d.Cost))} {WebUtility.HtmlEncode(currency)}</th></tr></table>");
        sb.Append("</body></html>");
        return sb.ToString();
    }
}
