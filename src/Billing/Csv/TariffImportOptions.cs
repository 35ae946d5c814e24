namespace CallControl.Billing.Csv;

/// <summary>
/// What the CGRateS files do not say.
/// </summary>
/// <param name="Currency">Currency of every price in the files.</param>
/// <param name="TimeZoneId">TZDB zone of the timings, and of activation times written without an offset.
/// Null means UTC.</param>
/// <param name="Tenant">Tenant written by the export (the import ignores the column).</param>
/// <param name="KnownPlanIds">Plans already in the book, which RatingProfiles.csv may name without RatingPlans.csv rows.</param>
public sealed record TariffImportOptions(
    string Currency = "EUR",
    string? TimeZoneId = null,
    string Tenant = "callcontrol",
    IReadOnlySet<string>? KnownPlanIds = null)
{
    public string Zone => TimeZoneId ?? "UTC";
}
