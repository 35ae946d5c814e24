using System.Text.Json;
using CallControl.Provisioning;

namespace CallControl.Host.Provisioning;

/// <summary>Reads provisioning documents (camelCase JSON) with errors that say where the JSON is wrong.</summary>
public static class ProvisioningJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        AllowTrailingCommas = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    /// <summary>Parses a document; on bad JSON returns a single error naming the JSON path and line.</summary>
    public static (ProvisioningDocument? Document, ProvisioningError? Error) Parse(string json)
    {
        try
        {
            var doc = JsonSerializer.Deserialize<ProvisioningDocument>(json, Options);
            return doc is null ? (null, new ProvisioningError("$", "the document is empty")) : (doc, null);
        }
        catch (JsonException ex)
        {
            var where = ex.Path is { Length: > 0 } path ? path : "$";
            var line = ex.LineNumber is { } l ? $" (line {l + 1})" : "";
            var message = ex.Message.Split(" Path:")[0];
            return (null, new ProvisioningError(where, $"{message}{line}"));
        }
    }

    public static ProvisioningDocument Demo()
    {
        using var stream = typeof(ProvisioningJson).Assembly.GetManifestResourceStream("demo-provisioning.json")
            ?? throw new InvalidOperationException("demo-provisioning.json is not embedded in the executable");
        using var reader = new StreamReader(stream);
        var (doc, error) = Parse(reader.ReadToEnd());
        return doc ?? throw new InvalidOperationException($"The embedded demo provisioning is invalid: {error}");
    }
}
