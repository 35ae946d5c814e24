using System.Net;
using System.Text.Json;
using CallControl.Provisioning;
using CallControl.Routing;
using NodaTime;

namespace CallControl.Tests.Routing;

/// <summary>Given-helpers: the demo provisioning (src/Host/Demo) applied through the planner, as the Host does.</summary>
public static class RoutingWorld
{
    public static readonly Instant T0 = Instant.FromUtc(2026, 11, 26, 12, 0);
    public static readonly IPAddress AcmeHq = IPAddress.Parse("127.0.0.11");
    public static readonly IPAddress GlobexMain = IPAddress.Parse("127.0.0.12");
    public static readonly IPAddress GwA = IPAddress.Parse("127.0.0.21");
    public static readonly IPAddress GwB = IPAddress.Parse("127.0.0.22");

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        AllowTrailingCommas = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    public static ProvisioningDocument Demo()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "src/Host/Demo/demo-provisioning.json"))) dir = dir.Parent;
        if (dir is null) throw new FileNotFoundException("src/Host/Demo/demo-provisioning.json not found above the test directory");
        return Parse(File.ReadAllText(Path.Combine(dir.FullName, "src/Host/Demo/demo-provisioning.json")));
    }

    public static ProvisioningDocument Parse(string json) =>
        JsonSerializer.Deserialize<ProvisioningDocument>(json, Json) ?? throw new InvalidOperationException("empty document");

    public static IReadOnlyList<IProvisioningEvent> Events(ProvisioningDocument doc, ProvisioningState? current = null, Instant? at = null)
    {
        var errors = ProvisioningValidator.Validate(doc);
        if (errors.Count > 0) throw new InvalidOperationException(string.Join("; ", errors));
        return ProvisioningPlanner.Plan(current ?? ProvisioningState.Empty, doc, at ?? T0).Select(c => c.Event).ToList();
    }

    public static ProvisioningState State(ProvisioningDocument doc) => ProvisioningState.Empty.ApplyAll(Events(doc));

    public static RoutingSnapshot Snapshot(ProvisioningDocument? doc = null) => new(State(doc ?? Demo()));

    public static ProvisioningDocument WithTenant(this ProvisioningDocument doc, string id, Func<TenantSpec, TenantSpec> change) =>
        doc with { Tenants = doc.Tenants.Select(t => t.Id == id ? change(t) : t).ToList() };

    public static ProvisioningDocument WithPbx(this ProvisioningDocument doc, string id, Func<PbxSpec, PbxSpec> change) =>
        doc with { Tenants = doc.Tenants.Select(t => t with { Pbxs = t.Pbxs.Select(p => p.Id == id ? change(p) : p).ToList() }).ToList() };

    public static RoutingResult Call(this RoutingSnapshot snapshot, IPAddress from, string dialled, string caller = "201",
        NetworkHealth? health = null, Instant? now = null, EnumAnswer? enumAnswer = null, ulong? seed = null) =>
        Router.Route(snapshot, new CallAttempt(from, dialled, caller) { Enum = enumAnswer, SelectionSeed = seed }, health ?? NetworkHealth.AllUp, now ?? T0);

    public static IEnumerable<string> GatewayIds(this RoutingResult result) =>
        result is RoutedToGateways g ? g.Targets.Select(t => t.GatewayId) : [];
}
