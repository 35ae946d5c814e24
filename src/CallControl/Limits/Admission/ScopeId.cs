namespace CallControl.Limits;

/// <summary>What kind of thing a limit is provisioned on.</summary>
public enum ScopeKind { Pbx, Tenant, Gateway }

/// <summary>One place usage is counted and limits apply: a PBX link, a tenant (all its PBXs) or a gateway.</summary>
public readonly record struct ScopeId(ScopeKind Kind, string Id)
{
    public static ScopeId Pbx(string id) => new(ScopeKind.Pbx, id);
    public static ScopeId Tenant(string id) => new(ScopeKind.Tenant, id);
    public static ScopeId Gateway(string id) => new(ScopeKind.Gateway, id);

    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()}:{Id}";
}
