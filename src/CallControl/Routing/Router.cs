using System.Net;
using CallControl.Provisioning;
using NodaTime;

namespace CallControl.Routing;

/// <summary>A new call as the router needs it: where it came from and what was dialled.</summary>
public sealed record CallAttempt(IPAddress SourceAddress, string Dialled, string Caller)
{
    /// <summary>The answer to an <see cref="EnumLookupRequired"/> (second step), else null.</summary>
    public EnumAnswer? Enum { get; init; }
    /// <summary>Drives weighted carrier selection; pass a hash of the Call-ID so a replay decides the same.
    /// Null: derived from the dialled and caller numbers.</summary>
    public ulong? SelectionSeed { get; init; }
}

/// <summary>
/// Decides where a call goes from a routing snapshot, the network health and the instant alone: a pure
/// function, no I/O, no clock. Pipeline: identify the source by address (else 403) -> normalize with the
/// PBX's dialplan -> emergency -> filters -> forwarding -> DID -> PBX (voicemail if unreachable) ->
/// ENUM -> LCR gateways.
/// </summary>
public static class Router
{
    public const int MaxForwardHops = 5;

    public static RoutingResult Route(RoutingSnapshot snapshot, CallAttempt attempt) =>
        Route(snapshot, attempt, NetworkHealth.AllUp, snapshot.AsOf ?? Instant.FromUnixTimeTicks(0));

    public static RoutingResult Route(RoutingSnapshot snapshot, CallAttempt attempt, NetworkHealth health, Instant now)
    {
        var dialled = attempt.Dialled;
        var source = snapshot.FindSource(attempt.SourceAddress);
        if (source is null)
            return new CallRefused(403, $"Source address {attempt.SourceAddress} is not a provisioned PBX or gateway")
            { Source = null, Dialled = CardDialString.Mask(dialled) };

        var fromPbx = source is PbxSource ps ? snapshot.Pbx(ps.Pbx.PbxId) : null;
        if (!snapshot.HasCardAccessNumbers || !CardDialString.TrySplit(dialled, out var access, out var pin, out var rest))
            return Route(snapshot, attempt, health, now, source, fromPbx, dialled, null, []);

        // 0. Calling cards: <access>*<PIN>*<destination>. The access part is normalized with the caller's dialplan, so a
        // PBX may dial 0800... as it dials any national number; the destination is then routed like any call. What is
        // recorded or printed carries the masked string, never the PIN.
        var shown = CardDialString.Mask(dialled);
        var accessNormalization = Normalize(fromPbx, access);
        CallRefused Refuse(int status, string reason) => new(status, reason)
        {
            Source = source, Dialled = shown, Normalization = accessNormalization with { Dialled = shown },
            Candidates = [new RouteCandidate("card", accessNormalization.Number ?? Printable(access), "skipped", reason)],
        };
        if (accessNormalization.Number is not { } accessNumber || !snapshot.IsCardAccessNumber(accessNumber))
            return Refuse(404, $"No route to '{Printable(shown)}': '{Printable(access)}' is not a calling-card access number");
        if (pin.Length == 0 || string.IsNullOrEmpty(rest))
            return Refuse(484, $"Incomplete card call to {accessNumber}: dial {Printable(access)}*PIN*destination");
        if (pin.Length > 32 || !pin.All(char.IsAsciiDigit))
            return Refuse(484, $"Card call to {accessNumber}: the PIN between the two '*' must be digits");

        List<RouteCandidate> candidates = [new RouteCandidate("card", accessNumber, "matched",
            $"calling-card access number {accessNumber} ({accessNormalization.Reason}); PIN not recorded; destination '{Printable(rest)}'")];
        var result = Route(snapshot, attempt, health, now, source, fromPbx, rest, new CardCall(accessNumber, pin), candidates);
        // The caller's To names the access number and the PIN: every forwarded leg gets its To rewritten (topology hiding).
        return result is CallRefused or EnumLookupRequired
            ? result with { Dialled = shown }
            : result with { Dialled = shown, Card = new CardCall(accessNumber, pin), HideTopology = true };
    }

    private static Normalization Normalize(PbxInfo? fromPbx, string dialled) => fromPbx switch
    {
        { Dialplan: { } plan } => plan.Normalize(dialled),
        not null => Dialplan.AsDialled(dialled),
        _ => NormalizeFromGateway(dialled),
    };

    /// <param name="card">A calling-card call: <paramref name="dialled"/> is its destination part; gateways may then
    /// reach numbers outside the cloud, and the global filters apply to callers from gateways too.</param>
    private static RoutingResult Route(RoutingSnapshot snapshot, CallAttempt attempt, NetworkHealth health, Instant now,
        CallSource source, PbxInfo? fromPbx, string dialled, CardCall? card, List<RouteCandidate> candidates)
    {
        // 1. Normalize.
        var normalization = Normalize(fromPbx, dialled);
        candidates.Add(new RouteCandidate("normalize", normalization.RuleId ?? normalization.DialplanId ?? "e164",
            normalization.Succeeded ? "matched" : "skipped", normalization.Reason));
        var callerId = fromPbx is null ? attempt.Caller : PresentedCaller(snapshot, fromPbx, attempt.Caller);
        var ctx = new Context(source, dialled, candidates, normalization, callerId);

        // 2. Emergency numbers bypass filters (and, downstream, credit and limits).
        if (fromPbx is not null && FindEmergency(fromPbx.Tenant, dialled, normalization.Number) is var (number, gateway))
            return Emergency(ctx, fromPbx, number, gateway, health);

        if (normalization.Number is not { } destination)
            return ctx.Refuse(404, $"No route to '{Printable(dialled)}': {normalization.Reason}");

        // An access number dialled alone: the card call is incomplete, it must not go to a carrier.
        if (card is null && snapshot.HasCardAccessNumbers && snapshot.IsCardAccessNumber(destination))
            return ctx.Refuse(484, $"Incomplete card call: {destination} is a calling-card access number, dial it as access*PIN*destination");

        // 3. Filters, for calls placed by PBXs and every card call (a card caller from a gateway gets the global filters).
        if ((fromPbx is not null || card is not null) && Filter(snapshot, fromPbx?.Tenant, destination) is { } blocked)
            return ctx.Refuse(403, blocked);

        // 4. Forwarding and DIDs.
        string? diversion = null;
        List<string>? visited = null;
        while (snapshot.TryFindDid(destination, out var owner, out var range))
        {
            if (snapshot.Forward(destination) is { } forward)
            {
                (visited ??= []).Add(destination);
                if (visited.Contains(forward.To) || visited.Count > MaxForwardHops)
                {
                    var chain = string.Join(" -> ", visited.Append(forward.To));
                    candidates.Add(new RouteCandidate("forward", destination, "skipped", $"forwarding loop: {chain}"));
                    return ctx.Refuse(482, $"Forwarding loop: {chain}");
                }
                candidates.Add(new RouteCandidate("forward", destination, "followed",
                    $"DID {destination} of tenant {forward.TenantId} is forwarded unconditionally to {forward.To}"));
                diversion ??= Diversion(snapshot, destination, "unconditional");
                if (Filter(snapshot, snapshot.TenantOf(forward.TenantId), forward.To) is { } forwardBlocked)
                    return ctx.Refuse(403, $"Forward of {destination}: {forwardBlocked}");
                destination = forward.To;
                continue;
            }
            return ToPbx(ctx, snapshot, health, destination, owner, range, diversion);
        }

        // 5. The cloud's own unassigned numbers stop here: a carrier would only route them back to us.
        foreach (var block in snapshot.Settings.NumberBlocks)
            if (destination.StartsWith(block, StringComparison.Ordinal))
            {
                candidates.Add(new RouteCandidate("did", destination, "skipped", $"in the cloud's number block {block} but not assigned"));
                return (ctx with { Diversion = diversion }).Refuse(404, $"No route to {destination}: in number block {block}, not assigned to any PBX");
            }

        // 6. Outside the cloud. Gateways only reach DIDs: no transit through the cloud unless a DID forwards.
        if (source is GatewaySource && diversion is null && card is null)
        {
            candidates.Add(new RouteCandidate("did", destination, "skipped", "no DID range contains the number"));
            return ctx.Refuse(404, $"No route to {destination}: not a DID of any PBX");
        }
        candidates.Add(new RouteCandidate("did", destination, "skipped", "not a DID of the cloud: routing outside"));
        ctx = ctx with { Diversion = diversion };

        var settings = snapshot.Settings;
        if (settings.EnumEnabled)
        {
            var answer = attempt.Enum;
            if (answer is null || answer.Number != destination)
            {
                var query = EnumQuery.Name(destination, settings.EnumSuffix);
                return new EnumLookupRequired(destination, query, $"{destination} is outside the cloud: ENUM lookup of {query} wanted")
                {
                    Source = source, Dialled = dialled, Candidates = candidates, Normalization = normalization, CallerId = callerId,
                    Diversion = diversion, HideTopology = true,
                };
            }
            if (answer.SipUri is { } uri && (uri.StartsWith("sip:", StringComparison.Ordinal) || uri.StartsWith("sips:", StringComparison.Ordinal)))
            {
                var why = $"ENUM: {Printable(answer.Detail)}";
                candidates.Add(new RouteCandidate("enum", destination, "chosen", why));
                return new RoutedToEnum(destination, uri, why)
                {
                    Source = source, Dialled = dialled, Candidates = candidates, Normalization = normalization, CallerId = callerId,
                    Diversion = diversion, HideTopology = true,
                };
            }
            candidates.Add(new RouteCandidate("enum", destination, "skipped",
                answer.SipUri is null ? $"ENUM: {Printable(answer.Detail)}" : $"ENUM gave '{Printable(answer.SipUri)}', not a SIP URI"));
        }

        return Lcr(ctx, snapshot, health, destination, now, attempt.SelectionSeed ?? Seed(destination, attempt.Caller));
    }

    private sealed record Context(CallSource Source, string Dialled, List<RouteCandidate> Candidates, Normalization Normalization, string? CallerId)
    {
        public string? Diversion { get; init; }

        public CallRefused Refuse(int status, string reason) => new CallRefused(status, reason)
        {
            Source = Source, Dialled = Dialled, Candidates = Candidates, Normalization = Normalization, CallerId = CallerId, Diversion = Diversion,
        };
    }

    private static Normalization NormalizeFromGateway(string dialled)
    {
        if (E164.IsValid(dialled)) return new Normalization(dialled, dialled, null, null, $"{dialled} is E.164 as received from the gateway");
        var plus = "+" + dialled;
        return E164.IsValid(plus)
            ? new Normalization(dialled, plus, null, "gateway-plus", $"{Printable(dialled)} -> {plus}: gateway sent the digits without '+'")
            : new Normalization(dialled, null, null, null, $"'{Printable(dialled)}' from a gateway is not an E.164 number");
    }

    private static (string Number, GatewayInfo Gateway)? FindEmergency(TenantInfo tenant, string dialled, string? normalized)
    {
        if (tenant.Emergency.Count == 0) return null;
        if (tenant.Emergency.TryGetValue(dialled, out var gw)) return (dialled, gw);
        if (normalized is not null && tenant.Emergency.TryGetValue(normalized, out gw)) return (normalized, gw);
        return null;
    }

    private static RoutingResult Emergency(Context ctx, PbxInfo from, string number, GatewayInfo gateway, NetworkHealth health)
    {
        var id = gateway.Target.GatewayId;
        // Fail open for emergencies (DESIGN.md rule 6): a gateway marked down is still tried.
        var why = health.DownGateways.TryGetValue(id, out var down)
            ? $"emergency number {number} of tenant {from.Tenant.Id} -> gateway {id} (marked down since {down.Since}: {down.Reason}; tried anyway)"
            : $"emergency number {number} of tenant {from.Tenant.Id} -> gateway {id}";
        ctx.Candidates.Add(new RouteCandidate("emergency", id, "chosen", why));
        var target = Forward(gateway, number, why);
        return new RoutedToGateways(number, [target], why)
        {
            Source = ctx.Source, Dialled = ctx.Dialled, Candidates = ctx.Candidates, Normalization = ctx.Normalization,
            CallerId = ctx.CallerId, IsEmergency = true, HideTopology = true,
        };
    }

    /// <summary>Null when the number may be called; else the reason it may not, naming the filter.</summary>
    private static string? Filter(RoutingSnapshot snapshot, TenantInfo? tenant, string number)
    {
        if (tenant is not null)
            foreach (var allowed in tenant.Allowed)
                if (number.StartsWith(allowed, StringComparison.Ordinal)) return null;
        foreach (var prefix in snapshot.GlobalBlocked)
            if (number.StartsWith(prefix, StringComparison.Ordinal))
                return $"{number} is blocked by global filter {prefix}" + (tenant is null ? "" : $" (not allow-listed for tenant {tenant.Id})");
        if (tenant is not null)
            foreach (var prefix in tenant.Blocked)
                if (number.StartsWith(prefix, StringComparison.Ordinal))
                    return $"{number} is blocked by filter {prefix} of tenant {tenant.Id}";
        return null;
    }

    private static RoutingResult ToPbx(Context ctx, RoutingSnapshot snapshot, NetworkHealth health,
        string destination, PbxInfo owner, DidRangeState range, string? diversion)
    {
        var pbx = owner.Target;
        var reason = $"{destination} is in DID range {range.RangeId} of PBX {pbx.PbxId} (tenant {pbx.TenantId})";
        if (health.UnreachablePbxs.TryGetValue(pbx.PbxId, out var down))
        {
            var unreachable = $"{reason}; PBX unreachable since {down.Since}: {down.Reason}";
            if (owner.Voicemail is { } vm)
            {
                ctx.Candidates.Add(new RouteCandidate("pbx", pbx.PbxId, "skipped", unreachable));
                var why = $"{destination}: PBX {pbx.PbxId} unreachable, voicemail fallback {owner.VoicemailUri}";
                ctx.Candidates.Add(new RouteCandidate("voicemail", pbx.PbxId, "chosen", why));
                return new RoutedToVoicemail(destination, pbx, range.RangeId, new VoicemailTarget(owner.VoicemailUri!, vm.Address, vm.Port, vm.Transport), why)
                {
                    Source = ctx.Source, Dialled = ctx.Dialled, Candidates = ctx.Candidates, Normalization = ctx.Normalization,
                    CallerId = ctx.CallerId, Diversion = Diversion(snapshot, destination, "unavailable"),
                };
            }
            reason = $"{unreachable}; no voicemail fallback, tried anyway";
        }
        ctx.Candidates.Add(new RouteCandidate("pbx", pbx.PbxId, "chosen", reason));
        if (owner.Voicemail is { } fallback)
            ctx.Candidates.Add(new RouteCandidate("voicemail", pbx.PbxId, "fallback",
                $"{owner.VoicemailUri} if PBX {pbx.PbxId} does not answer the INVITE or fails with 5xx"));
        return new RoutedToPbx(destination, pbx, range.RangeId, reason)
        {
            Source = ctx.Source, Dialled = ctx.Dialled, Candidates = ctx.Candidates, Normalization = ctx.Normalization,
            CallerId = ctx.CallerId, Diversion = diversion,
            VoicemailFallback = owner.Voicemail is { } vm2 ? new VoicemailTarget(owner.VoicemailUri!, vm2.Address, vm2.Port, vm2.Transport) : null,
            FallbackDiversion = owner.Voicemail is null ? null : Diversion(snapshot, destination, "unavailable"),
            BusyDiversion = owner.Voicemail is null ? null : Diversion(snapshot, destination, "user-busy"),
        };
    }

    private static RoutingResult Lcr(Context ctx, RoutingSnapshot snapshot, NetworkHealth health, string destination, Instant now, ulong seed)
    {
        var candidates = ctx.Candidates;
        LcrEntry[]? rules;
        var active = new List<LcrEntry>();
        var maxLength = 15;
        while ((rules = snapshot.Lcr.Longest(destination, maxLength, out var length)) is not null)
        {
            foreach (var rule in rules)
                if (rule.Window is null || rule.Window.Contains(now)) active.Add(rule);
                else candidates.Add(new RouteCandidate("lcr", rule.Id, "skipped", $"prefix {rule.Prefix}: outside its window ({rule.Window})"));
            if (active.Count > 0) break;
            maxLength = length - 1;
        }
        if (active.Count == 0)
            return ctx.Refuse(404, $"No route to {destination}: not a DID, and no LCR rule applies");

        foreach (var rule in active)
            candidates.Add(new RouteCandidate("lcr", rule.Id, "matched", $"prefix {rule.Prefix} is the longest matching prefix" +
                (rule.Window is null ? "" : $" (window {rule.Window} open)")));
        var carriers = active.Count == 1
            ? active[0].Carriers // sorted by priority when the snapshot was built
            : active.SelectMany(r => r.Carriers).OrderBy(c => c.Priority).ToArray();
        var ruleIds = active.Count == 1 ? active[0].Id : string.Join(", ", active.Select(r => r.Id));
        var targets = new List<GatewayForward>(4);
        var seen = new List<string>(4);
        var c = 0; // position among the carriers that exist: it varies the weighted draw per carrier
        foreach (var (carrierId, priority) in carriers)
        {
            if (snapshot.Carrier(carrierId) is not { } carrier) continue;
            foreach (var gateway in Order(carrier, seed ^ (ulong)c++))
            {
                var id = gateway.Target.GatewayId;
                if (seen.Contains(id))
                    candidates.Add(new RouteCandidate("gateway", id, "skipped", $"{Where(carrier, priority)}: already considered"));
                else if (health.DownGateways.TryGetValue(id, out var down))
                    candidates.Add(new RouteCandidate("gateway", id, "skipped", $"{Where(carrier, priority)}: marked down since {down.Since}: {down.Reason}"));
                else
                {
                    var why = $"{Where(carrier, priority)}, target {targets.Count + 1}";
                    candidates.Add(new RouteCandidate("gateway", id, "chosen", why));
                    targets.Add(Forward(gateway, Manipulate(destination, gateway.Options), why));
                }
                seen.Add(id);
            }
        }
        if (targets.Count == 0)
            return ctx.Refuse(503, $"No route to {destination}: every gateway of LCR rule {ruleIds} is down");
        var reason = $"{destination} via LCR {ruleIds}: {string.Join(" then ", targets.Select(t => t.GatewayId))}";
        return new RoutedToGateways(destination, targets, reason)
        {
            Source = ctx.Source, Dialled = ctx.Dialled, Candidates = candidates, Normalization = ctx.Normalization,
            CallerId = ctx.CallerId, Diversion = ctx.Diversion, HideTopology = true,
        };
    }

    private static string Where(CarrierInfo carrier, int priority) =>
        carrier.Weighted ? $"carrier {carrier.Id} (priority {priority}, weighted)" : $"carrier {carrier.Id} (priority {priority})";

    /// <summary>Ordered carriers keep their list order; weighted ones get an order drawn by weight from the seed
    /// (exponential race: each gateway draws -ln(u)/weight, smallest first).</summary>
    private static GatewayInfo[] Order(CarrierInfo carrier, ulong seed)
    {
        if (!carrier.Weighted || carrier.Members.Length < 2) return carrier.Gateways;
        var state = seed;
        var keys = new double[carrier.Members.Length];
        var order = (GatewayInfo[])carrier.Gateways.Clone();
        for (var i = 0; i < keys.Length; i++) keys[i] = -Math.Log(NextUnit(ref state)) / carrier.Members[i].Weight;
        Array.Sort(keys, order);
        return order;
    }

    private static double NextUnit(ref ulong state)
    {
        // SplitMix64: small, deterministic, good enough to spread calls by weight.
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return ((z >> 11) + 0.5) / (1UL << 53);
    }

    private static ulong Seed(string destination, string caller)
    {
        var hash = 14695981039346656037UL; // FNV-1a: stable across processes, unlike string.GetHashCode
        foreach (var c in destination) hash = (hash ^ c) * 1099511628211UL;
        foreach (var c in caller) hash = (hash ^ c) * 1099511628211UL;
        return hash;
    }

    /// <summary>The number as the gateway wants it: strip leading digits, add the prefix, keep '+' or not.</summary>
    public static string Manipulate(string e164, GatewayOptions options)
    {
        var digits = e164.AsSpan(1);
        digits = digits[Math.Min(options.StripDigits, digits.Length)..];
        return string.Concat(options.Prefix, options.KeepPlus ? "+" : "", digits);
    }

    private static GatewayForward Forward(GatewayInfo gateway, string user, string reason)
    {
        var t = gateway.Target;
        var transport = t.Transport == "udp" ? "" : $";transport={t.Transport}";
        return new GatewayForward(t.GatewayId, $"sip:{user}@{gateway.HostPort}{transport}", user, t.Address, t.Port, t.Transport,
            gateway.Options.Credentials, Duration.FromSeconds(gateway.Options.RingTimeoutSeconds), reason);
    }

    /// <summary>main-did: a caller that is not one of the tenant's DIDs (an extension) presents the main number.</summary>
    private static string? PresentedCaller(RoutingSnapshot snapshot, PbxInfo from, string caller)
    {
        if (from.CallerId.Mode != CallerIdModes.MainDid || from.CallerId.Number is not { } main) return caller;
        var asE164 = from.Dialplan?.Normalize(caller).Number ?? (E164.IsValid(caller) ? caller : null);
        if (asE164 is not null && snapshot.TryFindDid(asE164, out var owner, out _) && owner.Target.TenantId == from.Target.TenantId)
            return asE164;
        return main;
    }

    private static string Diversion(RoutingSnapshot snapshot, string did, string reason) =>
        $"<sip:{did}@{snapshot.Settings.SipDomain}>;reason={reason}";

    /// <summary>Dialled strings come from the network: keep what lands in events and logs short and printable.</summary>
    internal static string Printable(string s)
    {
        var shortened = s.Length <= 40 ? s : s[..40] + "...";
        return string.Concat(shortened.Select(c => char.IsControl(c) ? '?' : c));
    }
}

/// <summary>ENUM (RFC 6116) query names: digits reversed, dot-separated, under the suffix.</summary>
public static class EnumQuery
{
    public static string Name(string e164, string suffix = "e164.arpa")
    {
        var digits = e164.AsSpan(1);
        var chars = new char[digits.Length * 2 + suffix.Length];
        var i = 0;
        for (var d = digits.Length - 1; d >= 0; d--)
        {
            chars[i++] = digits[d];
            chars[i++] = '.';
        }
        suffix.CopyTo(chars.AsSpan(i));
        return new string(chars);
    }
}
