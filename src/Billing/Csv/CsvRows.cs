using CsvHelper;
using NodaTime;

namespace CallControl.Billing.Csv;

/// <summary>One data row of a CSV file; reading a cell that does not parse records an error naming file, line and column.</summary>
internal sealed class CsvRow(string file, int line, string[] cells, string[] columns, List<TariffImportError> errors)
{
    public string File { get; } = file;
    public int Line { get; } = line;

    public void Error(int column, string message) => errors.Add(new TariffImportError(File, Line, columns[column], message));

    public string Text(int column) => column < cells.Length ? cells[column].Trim() : "";

    public string Required(int column)
    {
        var text = Text(column);
        if (text.Length == 0)
        {
            Error(column, "is empty");
        }
        return text;
    }

    public T? Parse<T>(int column, ParseFn<T> parse) where T : struct
    {
        var value = parse(Text(column), out var error);
        if (error is not null)
        {
            Error(column, error);
        }
        return value;
    }

    public T? ParseRef<T>(int column, ParseRefFn<T> parse) where T : class
    {
        var value = parse(Text(column), out var error);
        if (error is not null)
        {
            Error(column, error);
        }
        return value;
    }

    public delegate T? ParseFn<T>(string text, out string? error) where T : struct;
    public delegate T? ParseRefFn<T>(string text, out string? error) where T : class;
}

internal static class CsvRows
{
    /// <summary>Data rows of <paramref name="text"/>, skipping '#' comment lines (the CGRateS header) and blank lines.
    /// The id (first cell) of a row with the wrong number of columns goes to <paramref name="broken"/>.</summary>
    public static List<CsvRow> Read(string file, string text, string[] columns, int minColumns, List<TariffImportError> errors, HashSet<string> broken)
    {
        var rows = new List<CsvRow>();
        var options = new CsvReaderOptions
        {
            HasHeader = false,
            Separator = ',', // never detect: Timings.csv cells contain ';'
            CommentPrefix = '#',
            SkipEmptyLines = true,
            TrimWhitespace = true,
            TrackLineNumbers = true,
        };
        using var reader = CsvReader.FromText(text, options);
        while (reader.Read())
        {
            var line = (int)reader.LineNumber;
            var cells = new string[reader.FieldCount];
            for (var i = 0; i < cells.Length; i++)
            {
                cells[i] = reader.GetString(i);
            }
            if (cells.Length == 1 && cells[0].Length == 0)
            {
                continue;
            }
            if (cells.Length < minColumns || cells.Length > columns.Length)
            {
                var expected = minColumns == columns.Length ? $"{minColumns}" : $"{minColumns} to {columns.Length}";
                errors.Add(new TariffImportError(file, line, columns[Math.Min(cells.Length, columns.Length - 1)],
                    $"expected {expected} columns ({string.Join(",", columns)}), found {cells.Length}"));
                broken.Add(cells.Length > 0 ? cells[0].Trim() : "");
                continue;
            }
            rows.Add(new CsvRow(file, line, cells, columns, errors));
        }
        return rows;
    }

    public static DateTimeZone? Zone(string id) => DateTimeZoneProviders.Tzdb.GetZoneOrNull(id);
}
