namespace CallControl.Billing.Tariffs;

/// <summary>CGRateS conventions shared by the importer and the rater.</summary>
public static class TariffConventions
{
    /// <summary>Matches anything: any destination, the default account (RatingProfiles Subject), any year/month/day.</summary>
    public const string Any = "*any";

    /// <summary>Timing tags that mean "always" without a Timings.csv row.</summary>
    public static bool IsAlwaysTiming(string id) => id is Any or "ALWAYS";

    public static bool IsDigits(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }
        return true;
    }
}
