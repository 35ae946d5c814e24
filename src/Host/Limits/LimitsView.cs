using CallControl.Limits;
using CallControl.Provisioning;
using NodaTime;

namespace CallControl.Host.Limits;

/// <summary>Usage and limits of one PBX or tenant. Limits are null when unlimited.</summary>
public sealed record LinkUsageRow(string Id, string? Tenant, int Calls, long Kbps, int CallsPerSecond, int? MaxCalls, long? MaxKbps, int? MaxCallsPerSecond);

/// <summary>Usage and channel limit of one gateway.</summary>
public sealed record GatewayUsageRow(string Id, int Calls, int? MaxChannels);

/// <summary>The live view (<c>GET /api/limits</c>): every provisioned PBX, tenant and gateway, and any scope still
/// holding calls that is no longer provisioned.</summary>
public sealed record LimitsView(Instant At, int OpenCalls, IReadOnlyList<LinkUsageRow> Pbxs, IReadOnlyList<LinkUsageRow> Tenants, IReadOnlyList<GatewayUsageRow> Gateways)
{
    public static LimitsView From(UsageSnapshot usage, ProvisioningState provisioned, LimitsTable table)
    {
        ScopeUsage Used(ScopeId scope) => usage.Scopes.GetValueOrDefault(scope);
        IEnumerable<string> Ids(ScopeKind kind, IEnumerable<string> provisionedIds) =>
            provisionedIds.Concat(usage.Scopes.Keys.Where(s => s.Kind == kind).Select(s => s.Id)).Distinct().Order(StringComparer.Ordinal);

        LinkUsageRow Link(ScopeId scope, string? tenant, LinkLimits limits)
        {
            var u = Used(scope);
            return new(scope.Id, tenant, u.ActiveCalls, u.ReservedKbps, u.NewCallsInWindow, limits.MaxCalls, limits.MaxKbps, limits.MaxCallsPerSecond);
        }

        var pbxs = Ids(ScopeKind.Pbx, provisioned.Pbxs.Keys)
            .Select(id => Link(ScopeId.Pbx(id), provisioned.Pbxs.TryGetValue(id, out var p) ? p.TenantId : null, table.ForPbx(id))).ToList();
        var tenants = Ids(ScopeKind.Tenant, provisioned.Tenants.Keys)
            .Select(id => Link(ScopeId.Tenant(id), null, table.ForTenant(id))).ToList();
        var gateways = Ids(ScopeKind.Gateway, provisioned.Gateways.Keys)
            .Select(id => new GatewayUsageRow(id, Used(ScopeId.Gateway(id)).ActiveCalls, table.ForGateway(id).MaxChannels)).ToList();
        return new LimitsView(usage.At, usage.OpenDialogs, pbxs, tenants, gateways);
    }
}
