using System.Net;
using System.Text.RegularExpressions;
using CallControl.Routing;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Logging;

namespace CallControl.Host.Routing;

/// <summary>DNS for ENUM routing: the NAPTR step (RFC 6116) and the address of the SIP URI it gives.</summary>
public interface IEnumResolver
{
    /// <summary>Queries NAPTR for <paramref name="queryName"/> and applies the best <c>E2U+sip</c> record to
    /// <paramref name="number"/>. Never throws for DNS trouble: a failure is a <see cref="EnumAnswer.NotFound"/> with the detail.</summary>
    Task<EnumAnswer> LookupAsync(string number, string queryName, CancellationToken ct);

    /// <summary>The IPv4 address of a host name (A record), or null with the reason.</summary>
    Task<(IPAddress? Address, string Detail)> ResolveHostAsync(string host, CancellationToken ct);
}

/// <summary>
/// <see cref="IEnumResolver"/> with DnsClient against the configured server (<c>--dns</c>), else the
/// system's resolvers. The target domain's host is resolved with a plain A lookup: the NAPTR/SRV steps of
/// RFC 3263 for the target domain are not done (an ENUM URI names a host, optionally a port and transport).
/// </summary>
public sealed class DnsEnumResolver : IEnumResolver
{
    public static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(2);
    private readonly LookupClient _client;
    private readonly ILogger<DnsEnumResolver> _logger;

    public DnsEnumResolver(ControllerSettings settings, ILogger<DnsEnumResolver> logger)
    {
        _logger = logger;
        var options = settings.DnsServer is { } server ? new LookupClientOptions(server) : new LookupClientOptions();
        options.UseCache = true;
        options.Timeout = QueryTimeout;
        options.Retries = 1;
        options.ThrowDnsErrors = false;
        _client = new LookupClient(options);
    }

    public async Task<EnumAnswer> LookupAsync(string number, string queryName, CancellationToken ct)
    {
        IDnsQueryResponse response;
        try
        {
            response = await _client.QueryAsync(queryName, QueryType.NAPTR, cancellationToken: ct);
        }
        catch (DnsResponseException ex)
        {
            _logger.LogWarning("ENUM query {Query} failed: {Error}", queryName, ex.Message);
            return EnumAnswer.NotFound(number, $"NAPTR query for {queryName} failed: {ex.Code}");
        }
        if (response.HasError) return EnumAnswer.NotFound(number, $"NAPTR query for {queryName}: {response.ErrorMessage}");
        return Choose(number, queryName, response.Answers.OfType<NAPtrRecord>());
    }

    /// <summary>The lowest (order, preference) terminal <c>E2U+sip</c> record, its regexp applied to the number.</summary>
    public static EnumAnswer Choose(string number, string queryName, IEnumerable<NAPtrRecord> records)
    {
        var sip = records
            .Where(r => r.Services.Equals("E2U+sip", StringComparison.OrdinalIgnoreCase) && r.Flags.Equals("u", StringComparison.OrdinalIgnoreCase))
            .OrderBy(r => r.Order).ThenBy(r => r.Preference)
            .ToList();
        if (sip.Count == 0) return EnumAnswer.NotFound(number, $"no E2U+sip NAPTR record for {queryName}");
        foreach (var record in sip)
            if (ApplyRegexp(record.RegularExpression, number) is { } uri) return EnumAnswer.Found(number, uri);
        return EnumAnswer.NotFound(number, $"no usable regexp in the E2U+sip NAPTR records of {queryName}");
    }

    /// <summary>Applies a NAPTR regexp field (<c>!^.*$!sip:info@example.com!</c>, delimiter = first character;
    /// <c>\1</c> back-references) to the application unique string, the number in its <c>+</c> form (RFC 6116 §3.2).</summary>
    public static string? ApplyRegexp(string field, string number)
    {
        if (field.Length < 3) return null;
        var delimiter = field[0];
        var parts = field[1..].Split(delimiter);
        if (parts.Length < 2) return null;
        var (pattern, replacement) = (parts[0], parts[1]);
        try
        {
            var regex = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
            var match = regex.Match(number);
            if (!match.Success) return null;
            // POSIX back-references \1..\9 become .NET's ${1}..${9}; a literal '$' must not be taken as one.
            var dotnet = Regex.Replace(replacement.Replace("$", "$$"), @"\\([0-9])", "$${$1}");
            return regex.Replace(number, dotnet, 1);
        }
        catch (ArgumentException)
        {
            return null;
        }
        catch (RegexMatchTimeoutException)
        {
            return null;
        }
    }

    public async Task<(IPAddress? Address, string Detail)> ResolveHostAsync(string host, CancellationToken ct)
    {
        try
        {
            var response = await _client.QueryAsync(host, QueryType.A, cancellationToken: ct);
            if (response.HasError) return (null, $"A query for {host}: {response.ErrorMessage}");
            return response.Answers.OfType<ARecord>().FirstOrDefault() is { } a ? (a.Address, $"{host} A {a.Address}") : (null, $"no A record for {host}");
        }
        catch (DnsResponseException ex)
        {
            return (null, $"A query for {host} failed: {ex.Code}");
        }
    }
}
