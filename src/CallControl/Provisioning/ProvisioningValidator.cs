using System.Text.RegularExpressions;
using CallControl.Routing;

namespace CallControl.Provisioning;

/// <summary>One thing wrong with a provisioning document; <see cref="Field"/> is a path such as
/// <c>tenants[0].pbxs[1].addresses[0]</c>.</summary>
public sealed record ProvisioningError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>Checks a whole document before anything is applied: a bad document changes nothing.</summary>
public static partial class ProvisioningValidator
{
    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,62}$")]
    private static partial Regex IdPattern();

    public static IReadOnlyList<ProvisioningError> Validate(ProvisioningDocument? document)
    {
        var errors = new List<ProvisioningError>();
        if (document is null)
        {
            errors.Add(new("$", "the document is empty"));
            return errors;
        }
        var pbxIds = new Dictionary<string, string>();
        var tenantIds = new HashSet<string>();
        var claimed = new List<(AddressRange Range, string Field)>();
        var overlaps = DidOverlaps(document);

        for (var t = 0; t < (document.Tenants?.Count ?? 0); t++)
        {
            var tenant = document.Tenants![t];
            var tf = $"tenants[{t}]";
            if (tenant is null) { errors.Add(new(tf, "is null")); continue; }
            CheckId(errors, $"{tf}.id", tenant.Id);
            if (!tenantIds.Add(tenant.Id ?? "")) errors.Add(new($"{tf}.id", $"tenant '{tenant.Id}' appears twice"));

            for (var p = 0; p < (tenant.Pbxs?.Count ?? 0); p++)
            {
                var pbx = tenant.Pbxs![p];
                var pf = $"{tf}.pbxs[{p}]";
                if (pbx is null) { errors.Add(new(pf, "is null")); continue; }
                CheckId(errors, $"{pf}.id", pbx.Id);
                if (pbx.Id is not null && !pbxIds.TryAdd(pbx.Id, tenant.Id ?? ""))
                    errors.Add(new($"{pf}.id", $"PBX '{pbx.Id}' appears twice"));
                CheckPort(errors, $"{pf}.port", pbx.Port);
                CheckTransport(errors, $"{pf}.transport", pbx.Transport);
                if (pbx.Addresses is null || pbx.Addresses.Count == 0)
                    errors.Add(new($"{pf}.addresses", "a PBX needs at least one address (IP or CIDR) to authenticate it"));
                for (var a = 0; a < (pbx.Addresses?.Count ?? 0); a++)
                    CheckAddress(errors, claimed, $"{pf}.addresses[{a}]", pbx.Addresses![a]);
            }

            HashSet<string>? ownPbxs = null;
            for (var d = 0; d < (tenant.Dids?.Count ?? 0); d++)
            {
                var did = tenant.Dids![d];
                var df = $"{tf}.dids[{d}]";
                if (did is null) { errors.Add(new(df, "is null")); continue; }
                var ok = CheckE164(errors, $"{df}.first", did.First);
                ok &= did.Last is null || CheckE164(errors, $"{df}.last", did.Last);
                var last = did.Last ?? did.First;
                if (ok && last.Length != did.First.Length)
                    errors.Add(new($"{df}.last", $"'{last}' has not the same number of digits as first '{did.First}'"));
                else if (ok && E164.Digits(last) < E164.Digits(did.First))
                    errors.Add(new($"{df}.last", $"'{last}' is below first '{did.First}'"));
                else if (ok && overlaps.TryGetValue((t, d), out var earlier))
                    foreach (var (ot, od) in earlier) errors.Add(new(df, $"overlaps tenants[{ot}].dids[{od}]"));
                if (string.IsNullOrEmpty(did.Pbx))
                    errors.Add(new($"{df}.pbx", "names no PBX"));
                else if (!(ownPbxs ??= (tenant.Pbxs ?? []).Where(p => p?.Id is not null).Select(p => p!.Id!).ToHashSet()).Contains(did.Pbx))
                    errors.Add(new($"{df}.pbx", $"PBX '{did.Pbx}' is not a PBX of tenant '{tenant.Id}'"));
            }
        }

        var gatewayIds = new HashSet<string>();
        for (var g = 0; g < (document.Gateways?.Count ?? 0); g++)
        {
            var gw = document.Gateways![g];
            var gf = $"gateways[{g}]";
            if (gw is null) { errors.Add(new(gf, "is null")); continue; }
            CheckId(errors, $"{gf}.id", gw.Id);
            if (!gatewayIds.Add(gw.Id ?? "")) errors.Add(new($"{gf}.id", $"gateway '{gw.Id}' appears twice"));
            CheckPort(errors, $"{gf}.port", gw.Port);
            CheckTransport(errors, $"{gf}.transport", gw.Transport);
            if (CheckAddress(errors, claimed, $"{gf}.address", gw.Address) is { IsSingleAddress: false })
                errors.Add(new($"{gf}.address", "a gateway needs a single IP address, not a range"));
            CheckGatewayOptions(errors, gf, gw);
        }
        ValidateRouting(errors, document, gatewayIds);
        ValidateLimits(errors, document);
        ValidateCards(errors, document);
        return errors;
    }

    /// <summary>
    /// For each well-formed DID range (tenant t, DID d) that overlaps earlier ones, those earlier ranges in document
    /// order. Ranges are sorted by (digit count, first number) and each is compared only with the sorted ranges
    /// before it whose running maximum of last numbers reaches it: n log n for disjoint ranges (the valid case),
    /// not a comparison of every pair.
    /// </summary>
    private static Dictionary<(int T, int D), List<(int T, int D)>> DidOverlaps(ProvisioningDocument document)
    {
        var ranges = new List<(int Length, long First, long Last, int T, int D)>();
        for (var t = 0; t < (document.Tenants?.Count ?? 0); t++)
        {
            var dids = document.Tenants![t]?.Dids;
            for (var d = 0; d < (dids?.Count ?? 0); d++)
            {
                // Well-formed exactly as the checks in Validate decide it.
                if (dids![d] is not { First: { } first } did || !E164.IsValid(first)) continue;
                var last = did.Last ?? first;
                if (!E164.IsValid(last) || last.Length != first.Length || E164.Digits(last) < E164.Digits(first)) continue;
                ranges.Add((first.Length, E164.Digits(first), E164.Digits(last), t, d));
            }
        }
        var sorted = ranges.ToArray();
        Array.Sort(sorted, static (a, b) => a.Length != b.Length ? a.Length.CompareTo(b.Length) : a.First.CompareTo(b.First));
        var overlaps = new Dictionary<(int, int), List<(int T, int D)>>();
        var maxLast = new long[sorted.Length]; // the largest Last among sorted[groupStart..k]
        for (int s = 0, groupStart = 0; s < sorted.Length; s++)
        {
            var x = sorted[s];
            if (s > 0 && sorted[s - 1].Length != x.Length) groupStart = s;
            for (var k = s - 1; k >= groupStart && maxLast[k] >= x.First; k--)
            {
                var y = sorted[k]; // y.First <= x.First: they overlap when y reaches x
                if (y.Last < x.First) continue;
                var (later, earlier) = (y.T, y.D).CompareTo((x.T, x.D)) > 0 ? ((y.T, y.D), (x.T, x.D)) : ((x.T, x.D), (y.T, y.D));
                if (!overlaps.TryGetValue(later, out var list)) overlaps[later] = list = [];
                list.Add(earlier);
            }
            maxLast[s] = s == groupStart ? x.Last : Math.Max(maxLast[s - 1], x.Last);
        }
        foreach (var list in overlaps.Values) list.Sort();
        return overlaps;
    }

    private static void CheckId(List<ProvisioningError> errors, string field, string? id)
    {
        if (string.IsNullOrEmpty(id)) errors.Add(new(field, "is missing"));
        else if (!IdPattern().IsMatch(id))
            errors.Add(new(field, $"'{Shorten(id)}' is not a valid id (lower-case letters, digits, '.', '_' and '-', at most 63)"));
    }

    private static void CheckPort(List<ProvisioningError> errors, string field, int port)
    {
        if (port is < 1 or > 65535) errors.Add(new(field, $"{port} is not a port (1-65535)"));
    }

    private static void CheckTransport(List<ProvisioningError> errors, string field, string? transport)
    {
        if (transport is not ("udp" or "tcp" or "tls"))
            errors.Add(new(field, $"'{Shorten(transport ?? "")}' is not a transport (udp, tcp or tls)"));
    }

    internal static bool CheckE164(List<ProvisioningError> errors, string field, string? number)
    {
        if (number is not null && E164.IsValid(number)) return true;
        errors.Add(new(field, $"'{Shorten(number ?? "")}' is not an E.164 number (+ and up to 15 digits)"));
        return false;
    }

    private static AddressRange? CheckAddress(List<ProvisioningError> errors, List<(AddressRange, string)> claimed, string field, string? text)
    {
        if (text is null || !AddressRange.TryParse(text, out var range))
        {
            errors.Add(new(field, $"'{Shorten(text ?? "")}' is not an IP address or CIDR range"));
            return null;
        }
        foreach (var (other, otherField) in claimed)
            if (other.Overlaps(range))
                errors.Add(new(field, $"{range} overlaps {otherField} ({other}): a source address must identify one PBX or gateway"));
        claimed.Add((range, field));
        return range;
    }

    internal static string Shorten(string s) => s.Length <= 64 ? s : s[..61] + "...";
}
