namespace CallControl.Billing.Csv;

/// <summary>A problem in a tariff CSV file, pointing at the file, the 1-based line and the column name.</summary>
public sealed record TariffImportError(string File, int Line, string Field, string Message)
{
    public override string ToString() => $"{File}:{Line}: {Field}: {Message}";
}

/// <summary>Thrown by <see cref="TariffImportResult.ThrowIfInvalid"/>; carries every error found.</summary>
public sealed class TariffImportException(IReadOnlyList<TariffImportError> errors)
    : Exception($"tariff import failed with {errors.Count} error(s):{Environment.NewLine}{string.Join(Environment.NewLine, errors)}")
{
    public IReadOnlyList<TariffImportError> Errors { get; } = errors;
}

/// <summary>Export cannot write the plans as one set of files (the same id means different things in two plans).</summary>
public sealed class TariffExportException(string file, string id, string message)
    : Exception($"{file}: id '{id}': {message}")
{
    public string File { get; } = file;
    public string Id { get; } = id;
}
