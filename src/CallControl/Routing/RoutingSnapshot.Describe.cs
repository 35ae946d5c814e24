using System.Text;

namespace CallControl.Routing;

public sealed partial class RoutingSnapshot
{
    /// <summary>The DID table's shards (tests check which ones two snapshots share).</summary>
    internal IReadOnlyList<object> DidShards => _dids.Shards;

    /// <summary>The LCR table's shards (tests check which ones two snapshots share).</summary>
    internal IReadOnlyList<object> LcrShards => _lcr.Shards;

    /// <summary>Every table as text in a canonical order: two snapshots that describe the same are
    /// interchangeable for the router. Tests compare an incrementally built snapshot with a fresh one.</summary>
    internal string Describe()
    {
        var b = new StringBuilder();
        var e = _endpoints;
        foreach (var (address, source) in e.SourcesByAddress.OrderBy(kv => kv.Key.ToString(), StringComparer.Ordinal))
            b.AppendLine($"source {address} {source}");
        foreach (var (range, source) in e.SourceRanges) b.AppendLine($"source-range {range} {source}");
        foreach (var (id, g) in e.GatewayInfos.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            b.AppendLine($"gateway {id} {g.Target} {g.Options} {g.HostPort}");
        foreach (var (id, t) in e.Tenants.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            b.AppendLine($"tenant {id} dialplan={t.Dialplan?.Id} blocked={string.Join(',', t.Blocked)} allowed={string.Join(',', t.Allowed)} " +
                         $"emergency={string.Join(',', t.Emergency.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}>{kv.Value.Target.GatewayId}"))}");
        foreach (var (id, p) in e.PbxInfos.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            b.AppendLine($"pbx {id} {p.Target} tenant={p.Tenant.Id} dialplan={p.Dialplan?.Id} {p.CallerId} voicemail={p.VoicemailUri} {p.Voicemail}");
        foreach (var (id, d) in e.Dialplans.OrderBy(kv => kv.Key, StringComparer.Ordinal)) b.AppendLine($"dialplan {id} tenant={d.TenantId}");
        foreach (var (id, c) in _carriers.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            b.AppendLine($"carrier {id} weighted={c.Weighted} {string.Join(',', c.Members.Select(m => $"{m.Gateway.Target.GatewayId}*{m.Weight}"))}");
        foreach (var r in _lcr.Entries)
            b.AppendLine($"lcr {r.Id} {r.Prefix} window={r.Window} {string.Join(',', r.Carriers.Select(c => $"{c.CarrierId}@{c.Priority}"))}");
        foreach (var d in _dids.Entries) b.AppendLine($"did {d.First} {d.Last} {d.Range}");
        foreach (var (did, f) in _forwards.OrderBy(kv => kv.Key, StringComparer.Ordinal)) b.AppendLine($"forward {did} {f}");
        b.AppendLine($"blocked {string.Join(',', _globalBlocked)}");
        return b.ToString();
    }
}
