namespace CallControl.Limits;

/// <summary>
/// One side of a call as far as limits are concerned: a customer PBX (and its tenant), a PSTN gateway,
/// or something we do not limit (another SIP domain reached by ENUM, an unidentified peer).
/// </summary>
public readonly record struct CallLink
{
    private CallLink(string? pbxId, string? tenantId, string? gatewayId)
    {
        PbxId = pbxId;
        TenantId = tenantId;
        GatewayId = gatewayId;
    }

    public string? PbxId { get; }
    public string? TenantId { get; }
    public string? GatewayId { get; }

    public static CallLink Pbx(string pbxId, string tenantId)
    {
        ArgumentException.ThrowIfNullOrEmpty(pbxId);
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        return new(pbxId, tenantId, null);
    }

    public static CallLink Gateway(string gatewayId)
    {
        ArgumentException.ThrowIfNullOrEmpty(gatewayId);
        return new(null, null, gatewayId);
    }

    /// <summary>A side no limit applies to (e.g. a foreign SIP domain).</summary>
    public static CallLink Unlimited => default;

    internal int CopyScopesTo(Span<ScopeId> destination)
    {
        if (PbxId is not null && TenantId is not null)
        {
            destination[0] = ScopeId.Pbx(PbxId);
            destination[1] = ScopeId.Tenant(TenantId);
            return 2;
        }
        if (GatewayId is not null)
        {
            destination[0] = ScopeId.Gateway(GatewayId);
            return 1;
        }
        return 0;
    }

    public override string ToString() =>
        PbxId is not null ? $"pbx:{PbxId} (tenant:{TenantId})" : GatewayId is not null ? $"gateway:{GatewayId}" : "unlimited";
}
