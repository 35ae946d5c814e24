namespace CallControl.Provisioning;

/// <summary>
/// The declarative provisioning document: the whole desired state. Applying it emits events for the
/// differences only, so applying the same document twice changes nothing.
/// </summary>
public sealed record ProvisioningDocument
{
    public IReadOnlyList<TenantSpec> Tenants { get; init; } = [];
    public IReadOnlyList<GatewaySpec> Gateways { get; init; } = [];
}

public sealed record TenantSpec
{
    public string Id { get; init; } = "";
    public string? Name { get; init; }
    public IReadOnlyList<PbxSpec> Pbxs { get; init; } = [];
    public IReadOnlyList<DidRangeSpec> Dids { get; init; } = [];
}

public sealed record PbxSpec
{
    public string Id { get; init; } = "";
    public IReadOnlyList<string> Addresses { get; init; } = [];
    public int Port { get; init; } = 5060;
    public string Transport { get; init; } = "udp";
}

/// <summary>A single DID (<see cref="Last"/> omitted) or a range of DIDs of the same length.</summary>
public sealed record DidRangeSpec
{
    public string First { get; init; } = "";
    public string? Last { get; init; }
    public string Pbx { get; init; } = "";
}

public sealed record GatewaySpec
{
    public string Id { get; init; } = "";
    public string Address { get; init; } = "";
    public int Port { get; init; } = 5060;
    public string Transport { get; init; } = "udp";
}
