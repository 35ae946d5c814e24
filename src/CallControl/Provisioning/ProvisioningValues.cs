namespace CallControl.Provisioning;

// Value records carried by provisioning events and kept in ProvisioningState. They hold validated,
// normalised data only; the routing snapshot compiles them (regexes, zones, prefixes) once.

public static class CallerIdModes
{
    public const string Passthrough = "passthrough";
    public const string MainDid = "main-did";
}

/// <summary>What a PBX's outbound calls present as caller: as sent, or the tenant's main DID for callers
/// that are not one of the tenant's DIDs (extensions).</summary>
public sealed record CallerIdPolicy(string Mode, string? Number)
{
    public static readonly CallerIdPolicy Passthrough = new(CallerIdModes.Passthrough, null);
}

/// <summary>Routing settings of a PBX beyond its addresses.</summary>
public sealed record PbxRouting(bool Nat, string? DialplanId, CallerIdPolicy CallerId, string? VoicemailUri)
{
    /// <summary>OPTIONS probing of the PBX; null (also in events recorded before it existed): not probed.</summary>
    public PbxProbe? Probe { get; init; }

    public static readonly PbxRouting Default = new(false, null, CallerIdPolicy.Passthrough, null);
}

public sealed record DialplanRule(string Id, string? Prefix, string? Regex, string Replace, int Priority);

public sealed record EmergencyNumber(string Number, string GatewayId);

/// <summary>Routing settings of a tenant: default dialplan, filters, emergency numbers.</summary>
public sealed record TenantRouting(
    string? DialplanId, IReadOnlyList<string> BlockedPrefixes, IReadOnlyList<string> AllowedPrefixes, IReadOnlyList<EmergencyNumber> Emergency)
{
    public static readonly TenantRouting Default = new(null, [], [], []);
}

/// <summary>Digest credentials the controller answers a gateway's challenge with. Kept in clear in the events (the
/// controller must compute digests from the password); everything that shows them to people uses <see cref="Masked"/>,
/// and <see cref="object.ToString"/> never prints the password (logs).</summary>
public sealed record GatewayCredentials(string Username, string Password, string? Realm)
{
    /// <summary>What is shown instead of a secret.</summary>
    public const string Mask = "***";

    /// <summary>The same credentials with the password replaced by <see cref="Mask"/>.</summary>
    public GatewayCredentials Masked() => this with { Password = Mask };

    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Username = ").Append(Username).Append(", Password = ").Append(Mask).Append(", Realm = ").Append(Realm);
        return true;
    }
}

/// <summary>Everything about a gateway beyond its address: credentials, number manipulation, probing.</summary>
public sealed record GatewayOptions(
    GatewayCredentials? Credentials, int StripDigits, string Prefix, bool KeepPlus,
    int ProbeIntervalSeconds, int ProbeFailureThreshold, int ProbeRecoveryThreshold, int RingTimeoutSeconds)
{
    public static readonly GatewayOptions Default = new(null, 0, "", true, 30, 3, 1, 30);

    /// <summary>The same options with the password masked, for anything shown to people (HTTP, CLI).</summary>
    public GatewayOptions Masked() => Credentials is null ? this : this with { Credentials = Credentials.Masked() };
}

public static class CarrierSelections
{
    public const string Ordered = "ordered";
    public const string Weighted = "weighted";
}

public sealed record CarrierMember(string GatewayId, int Weight);

public sealed record LcrCarrier(string CarrierId, int Priority);

/// <summary>Days are <c>mon</c>..<c>sun</c> (empty: every day); times <c>HH:mm</c>, <c>24:00</c> allowed as To.</summary>
public sealed record TimeWindow(IReadOnlyList<string> Days, string From, string To, string Zone);

/// <summary>Cloud-wide routing settings. <paramref name="NumberBlocks"/> are the cloud's own number ranges (prefixes):
/// an unassigned number in them gets 404 instead of being sent to a carrier (which would route it back).</summary>
public sealed record RoutingSettings(IReadOnlyList<string> BlockedPrefixes, IReadOnlyList<string> NumberBlocks, bool EnumEnabled, string EnumSuffix, string SipDomain)
{
    public const string DefaultSipDomain = "cloud";
    public static readonly RoutingSettings Default = new([], [], false, "e164.arpa", DefaultSipDomain);
}

/// <summary>How a PBX is probed: interval and the consecutive failures/successes that change its reachability.</summary>
public sealed record PbxProbe(int IntervalSeconds, int FailureThreshold, int RecoveryThreshold);
