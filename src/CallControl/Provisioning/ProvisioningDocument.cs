namespace CallControl.Provisioning;

/// <summary>
/// The declarative provisioning document: the whole desired state. Applying it emits events for the
/// differences only, so applying the same document twice changes nothing.
/// </summary>
public sealed record ProvisioningDocument
{
    public IReadOnlyList<TenantSpec> Tenants { get; init; } = [];
    public IReadOnlyList<GatewaySpec> Gateways { get; init; } = [];
    public IReadOnlyList<CarrierSpec> Carriers { get; init; } = [];
    /// <summary>Least-cost routing rules: E.164 prefix (<c>+</c> alone matches everything) -> carriers.</summary>
    public IReadOnlyList<LcrRuleSpec> Lcr { get; init; } = [];
    /// <summary>Prefixes no PBX may call (e.g. <c>+31900</c> premium) unless its tenant allow-lists them.</summary>
    public IReadOnlyList<string> BlockedPrefixes { get; init; } = [];
    /// <summary>The cloud's own number blocks (E.164 prefixes): unassigned numbers in them get 404, never LCR.</summary>
    public IReadOnlyList<string> NumberBlocks { get; init; } = [];
    public EnumSpec? Enum { get; init; }
    /// <summary>Host part used in URIs the cloud makes up (Diversion headers).</summary>
    public string? SipDomain { get; init; }
    /// <summary>Calling-card access numbers (E.164, owned by the provider): <c>&lt;access&gt;*&lt;PIN&gt;*&lt;destination&gt;</c>.</summary>
    public IReadOnlyList<string> CardAccessNumbers { get; init; } = [];
}

public sealed record TenantSpec
{
    public string Id { get; init; } = "";
    public string? Name { get; init; }
    public IReadOnlyList<PbxSpec> Pbxs { get; init; } = [];
    public IReadOnlyList<DidRangeSpec> Dids { get; init; } = [];
    /// <summary>Dialplan used by the tenant's PBXs unless a PBX names its own.</summary>
    public string? Dialplan { get; init; }
    public IReadOnlyList<DialplanSpec> Dialplans { get; init; } = [];
    public IReadOnlyList<string> BlockedPrefixes { get; init; } = [];
    /// <summary>Prefixes this tenant may call even when a global or tenant filter blocks them.</summary>
    public IReadOnlyList<string> AllowedPrefixes { get; init; } = [];
    public IReadOnlyList<ForwardSpec> Forwards { get; init; } = [];
    public IReadOnlyList<EmergencySpec> Emergency { get; init; } = [];
    /// <summary>Limits over all the tenant's PBXs together (null: unlimited).</summary>
    public LimitsSpec? Limits { get; init; }
}

public sealed record PbxSpec
{
    public string Id { get; init; } = "";
    public IReadOnlyList<string> Addresses { get; init; } = [];
    public int Port { get; init; } = 5060;
    public string Transport { get; init; } = "udp";
    /// <summary>The PBX sits behind NAT: answer to the source address/port, rewrite its Contact.</summary>
    public bool Nat { get; init; }
    /// <summary>Overrides the tenant's dialplan.</summary>
    public string? Dialplan { get; init; }
    public CallerIdSpec? CallerId { get; init; }
    /// <summary>Where calls go when the PBX is unreachable, e.g. <c>sip:voicemail@127.0.0.31:5060</c>.</summary>
    public string? Voicemail { get; init; }
    /// <summary>Limits of this PBX's link (null: unlimited).</summary>
    public LimitsSpec? Limits { get; init; }
    /// <summary>OPTIONS probing of the PBX (null: not probed); marks it unreachable/reachable as events.</summary>
    public ProbeSpec? Probe { get; init; }
}

/// <summary><c>passthrough</c> (default) or <c>main-did</c> with the <see cref="Number"/> to present.</summary>
public sealed record CallerIdSpec
{
    public string Mode { get; init; } = "passthrough";
    public string? Number { get; init; }
}

/// <summary>A single DID (<see cref="Last"/> omitted) or a range of DIDs of the same length.</summary>
public sealed record DidRangeSpec
{
    public string First { get; init; } = "";
    public string? Last { get; init; }
    public string Pbx { get; init; } = "";
}

public sealed record DialplanSpec
{
    public string Id { get; init; } = "";
    public IReadOnlyList<DialplanRuleSpec> Rules { get; init; } = [];
}

/// <summary>
/// Exactly one of <see cref="Prefix"/> (the prefix is replaced by <see cref="Replace"/>) or
/// <see cref="Regex"/> (the whole dialled string must match; <see cref="Replace"/> may use <c>$1</c>).
/// Lower <see cref="Priority"/> is tried first; ties keep document order.
/// </summary>
public sealed record DialplanRuleSpec
{
    public string? Id { get; init; }
    public string? Prefix { get; init; }
    public string? Regex { get; init; }
    public string Replace { get; init; } = "";
    public int Priority { get; init; } = 100;
}

public sealed record ForwardSpec
{
    public string Did { get; init; } = "";
    public string To { get; init; } = "";
}

public sealed record EmergencySpec
{
    public string Number { get; init; } = "";
    public string Gateway { get; init; } = "";
}

public sealed record GatewaySpec
{
    public string Id { get; init; } = "";
    public string Address { get; init; } = "";
    public int Port { get; init; } = 5060;
    public string Transport { get; init; } = "udp";
    public GatewayAuthSpec? Auth { get; init; }
    /// <summary>Digits removed from the start of the E.164 digits (after the '+') before sending.</summary>
    public int StripDigits { get; init; }
    /// <summary>Put before the (stripped) digits, e.g. <c>00</c> or a tech prefix.</summary>
    public string Prefix { get; init; } = "";
    /// <summary>Send <c>+</c> in front of the digits (after <see cref="Prefix"/>); false sends plain digits.</summary>
    public bool KeepPlus { get; init; } = true;
    public ProbeSpec? Probe { get; init; }
    /// <summary>How long to wait for an answer before failing over to the next target.</summary>
    public int RingTimeoutSeconds { get; init; } = 30;
    /// <summary>Concurrent calls (channels) the gateway takes (null: unlimited).</summary>
    public int? MaxChannels { get; init; }
}

public sealed record GatewayAuthSpec
{
    public string Username { get; init; } = "";
    public string Password { get; init; } = "";
    public string? Realm { get; init; }

    // ToString (logs, error messages) never prints the password.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Username = ").Append(Username).Append(", Password = ").Append(GatewayCredentials.Mask).Append(", Realm = ").Append(Realm);
        return true;
    }
}

public sealed record ProbeSpec
{
    public int IntervalSeconds { get; init; } = 30;
    /// <summary>Consecutive failed OPTIONS that mark the gateway down (and successes that bring it back).</summary>
    public int FailureThreshold { get; init; } = 3;
    public int RecoveryThreshold { get; init; } = 1;
}

/// <summary><c>ordered</c>: failover in list order; <c>weighted</c>: order drawn per call by weight.</summary>
public sealed record CarrierSpec
{
    public string Id { get; init; } = "";
    public string Selection { get; init; } = "ordered";
    public IReadOnlyList<CarrierGatewaySpec> Gateways { get; init; } = [];
}

public sealed record CarrierGatewaySpec
{
    public string Gateway { get; init; } = "";
    public int Weight { get; init; } = 1;
}

public sealed record LcrRuleSpec
{
    /// <summary>Defaults to the prefix; needed when two rules share a prefix (different windows).</summary>
    public string? Id { get; init; }
    public string Prefix { get; init; } = "";
    public IReadOnlyList<LcrCarrierSpec> Carriers { get; init; } = [];
    public TimeWindowSpec? Window { get; init; }
}

public sealed record LcrCarrierSpec
{
    public string Carrier { get; init; } = "";
    /// <summary>Lower first.</summary>
    public int Priority { get; init; } = 1;
}

/// <summary>Rule applies on <see cref="Days"/> (mon..sun, empty = every day) from <see cref="From"/>
/// to <see cref="To"/> (HH:mm, local time in <see cref="Zone"/>; From &gt; To spans midnight).</summary>
public sealed record TimeWindowSpec
{
    public IReadOnlyList<string> Days { get; init; } = [];
    public string From { get; init; } = "00:00";
    public string To { get; init; } = "24:00";
    public string Zone { get; init; } = "UTC";
}

public sealed record EnumSpec
{
    public bool Enabled { get; init; } = true;
    public string Suffix { get; init; } = "e164.arpa";
}
