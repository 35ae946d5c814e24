namespace CallControl.Billing.Csv;

/// <summary>The six CGRateS tariff-plan files as text, by their file names.</summary>
public sealed record TariffCsvFiles(
    string Destinations,
    string Rates,
    string DestinationRates,
    string Timings,
    string RatingPlans,
    string RatingProfiles)
{
    public const string DestinationsFile = "Destinations.csv";
    public const string RatesFile = "Rates.csv";
    public const string DestinationRatesFile = "DestinationRates.csv";
    public const string TimingsFile = "Timings.csv";
    public const string RatingPlansFile = "RatingPlans.csv";
    public const string RatingProfilesFile = "RatingProfiles.csv";

    /// <summary>Reads the six files from a folder; a missing file is read as empty (the import then reports what is missing).</summary>
    public static TariffCsvFiles ReadFolder(string folder)
    {
        string Read(string name)
        {
            var path = Path.Combine(folder, name);
            return File.Exists(path) ? File.ReadAllText(path) : "";
        }
        return new TariffCsvFiles(Read(DestinationsFile), Read(RatesFile), Read(DestinationRatesFile),
            Read(TimingsFile), Read(RatingPlansFile), Read(RatingProfilesFile));
    }

    public void WriteFolder(string folder)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, DestinationsFile), Destinations);
        File.WriteAllText(Path.Combine(folder, RatesFile), Rates);
        File.WriteAllText(Path.Combine(folder, DestinationRatesFile), DestinationRates);
        File.WriteAllText(Path.Combine(folder, TimingsFile), Timings);
        File.WriteAllText(Path.Combine(folder, RatingPlansFile), RatingPlans);
        File.WriteAllText(Path.Combine(folder, RatingProfilesFile), RatingProfiles);
    }
}
