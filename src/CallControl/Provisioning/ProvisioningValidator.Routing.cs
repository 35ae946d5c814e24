using System.Text.RegularExpressions;
using CallControl.Routing;
using NodaTime;

namespace CallControl.Provisioning;

// Validation of the routing part of the document: dialplans, filters, forwards, emergency numbers,
// caller-ID, voicemail, gateway options, carriers, LCR rules and cloud-wide settings.
public static partial class ProvisioningValidator
{
    /// <summary>How long one dialplan regex may run on one dialled string before the rule counts as not matching.</summary>
    public static readonly TimeSpan RegexMatchTimeout = TimeSpan.FromMilliseconds(20);

    [GeneratedRegex("^[a-z0-9+][a-z0-9+._@-]{0,62}$")]
    private static partial Regex LcrIdPattern();

    [GeneratedRegex("^[0-9+*#]{1,32}$")]
    private static partial Regex DialPrefixPattern();

    [GeneratedRegex("^[0-9*#]{0,16}$")]
    private static partial Regex GatewayPrefixPattern();

    [GeneratedRegex(@"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")]
    private static partial Regex DomainPattern();

    private static readonly string[] DayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

    private static void ValidateRouting(List<ProvisioningError> errors, ProvisioningDocument document, HashSet<string> gatewayIds)
    {
        for (var i = 0; i < (document.BlockedPrefixes?.Count ?? 0); i++)
            CheckE164Prefix(errors, $"blockedPrefixes[{i}]", document.BlockedPrefixes![i], allowBare: false);
        for (var i = 0; i < (document.NumberBlocks?.Count ?? 0); i++)
            CheckE164Prefix(errors, $"numberBlocks[{i}]", document.NumberBlocks![i], allowBare: false);
        if (document.Enum is { } e && (e.Suffix is null || !DomainPattern().IsMatch(e.Suffix)))
            errors.Add(new("enum.suffix", $"'{Shorten(e.Suffix ?? "")}' is not a DNS domain such as e164.arpa"));
        if (document.SipDomain is { } domain && !DomainPattern().IsMatch(domain) && !System.Net.IPAddress.TryParse(domain, out _))
            errors.Add(new("sipDomain", $"'{Shorten(domain)}' is not a host name or IP address"));

        var dialplanIds = new HashSet<string>();
        var forwarded = new HashSet<string>();
        var tenants = document.Tenants ?? [];
        for (var t = 0; t < tenants.Count; t++)
        {
            var tenant = tenants[t];
            if (tenant is null) continue;
            var tf = $"tenants[{t}]";
            var ownPlans = new HashSet<string>();
            var plans = tenant.Dialplans ?? [];
            for (var d = 0; d < plans.Count; d++)
            {
                var df = $"{tf}.dialplans[{d}]";
                if (plans[d] is not { } plan) { errors.Add(new(df, "is null")); continue; }
                CheckId(errors, $"{df}.id", plan.Id);
                if (plan.Id is not null && !dialplanIds.Add(plan.Id)) errors.Add(new($"{df}.id", $"dialplan '{plan.Id}' appears twice"));
                else if (plan.Id is not null) ownPlans.Add(plan.Id);
                CheckDialplanRules(errors, df, plan);
            }
            if (tenant.Dialplan is { } tdp && !ownPlans.Contains(tdp))
                errors.Add(new($"{tf}.dialplan", $"dialplan '{Shorten(tdp)}' is not a dialplan of tenant '{tenant.Id}'"));

            for (var i = 0; i < (tenant.BlockedPrefixes?.Count ?? 0); i++)
                CheckE164Prefix(errors, $"{tf}.blockedPrefixes[{i}]", tenant.BlockedPrefixes![i], allowBare: false);
            for (var i = 0; i < (tenant.AllowedPrefixes?.Count ?? 0); i++)
                CheckE164Prefix(errors, $"{tf}.allowedPrefixes[{i}]", tenant.AllowedPrefixes![i], allowBare: false);

            var pbxs = tenant.Pbxs ?? [];
            for (var p = 0; p < pbxs.Count; p++)
            {
                if (pbxs[p] is not { } pbx) continue;
                var pf = $"{tf}.pbxs[{p}]";
                if (pbx.Dialplan is { } pdp && !ownPlans.Contains(pdp))
                    errors.Add(new($"{pf}.dialplan", $"dialplan '{Shorten(pdp)}' is not a dialplan of tenant '{tenant.Id}'"));
                if (pbx.CallerId is { } cid)
                {
                    if (cid.Mode == CallerIdModes.MainDid)
                    {
                        if (cid.Number is null) errors.Add(new($"{pf}.callerId.number", "main-did needs the number to present"));
                        else CheckE164(errors, $"{pf}.callerId.number", cid.Number);
                    }
                    else if (cid.Mode != CallerIdModes.Passthrough)
                        errors.Add(new($"{pf}.callerId.mode", $"'{Shorten(cid.Mode ?? "")}' is not a caller-ID mode (passthrough or main-did)"));
                }
                if (pbx.Voicemail is { } vm && !SipUri.TryParse(vm, out _))
                    errors.Add(new($"{pf}.voicemail", $"'{Shorten(vm)}' is not a SIP URI with an IP address, such as sip:voicemail@127.0.0.31:5060"));
                if (pbx.Probe is { } pbxProbe) CheckProbe(errors, $"{pf}.probe", pbxProbe);
            }

            var dids = tenant.Dids ?? [];
            var forwards = tenant.Forwards ?? [];
            for (var f = 0; f < forwards.Count; f++)
            {
                var ff = $"{tf}.forwards[{f}]";
                if (forwards[f] is not { } fwd) { errors.Add(new(ff, "is null")); continue; }
                if (CheckE164(errors, $"{ff}.did", fwd.Did))
                {
                    if (!forwarded.Add(fwd.Did)) errors.Add(new($"{ff}.did", $"{fwd.Did} is forwarded twice"));
                    if (!dids.Any(r => r is not null && InRange(fwd.Did, r)))
                        errors.Add(new($"{ff}.did", $"{fwd.Did} is not a DID of tenant '{tenant.Id}'"));
                }
                if (CheckE164(errors, $"{ff}.to", fwd.To) && fwd.To == fwd.Did)
                    errors.Add(new($"{ff}.to", "forwards the DID to itself"));
            }

            var emergency = tenant.Emergency ?? [];
            var numbers = new HashSet<string>();
            for (var n = 0; n < emergency.Count; n++)
            {
                var ef = $"{tf}.emergency[{n}]";
                if (emergency[n] is not { } em) { errors.Add(new(ef, "is null")); continue; }
                if (em.Number is null || !(DialPrefixPattern().IsMatch(em.Number) && em.Number.Length <= 16))
                    errors.Add(new($"{ef}.number", $"'{Shorten(em.Number ?? "")}' is not a dialable number (digits, '+', '*', '#')"));
                else if (!numbers.Add(em.Number)) errors.Add(new($"{ef}.number", $"{em.Number} appears twice"));
                if (string.IsNullOrEmpty(em.Gateway) || !gatewayIds.Contains(em.Gateway))
                    errors.Add(new($"{ef}.gateway", $"'{Shorten(em.Gateway ?? "")}' is not a provisioned gateway"));
            }
        }

        var carrierIds = new HashSet<string>();
        var carriers = document.Carriers ?? [];
        for (var c = 0; c < carriers.Count; c++)
        {
            var cf = $"carriers[{c}]";
            if (carriers[c] is not { } carrier) { errors.Add(new(cf, "is null")); continue; }
            CheckId(errors, $"{cf}.id", carrier.Id);
            if (!carrierIds.Add(carrier.Id ?? "")) errors.Add(new($"{cf}.id", $"carrier '{carrier.Id}' appears twice"));
            if (carrier.Selection is not (CarrierSelections.Ordered or CarrierSelections.Weighted))
                errors.Add(new($"{cf}.selection", $"'{Shorten(carrier.Selection ?? "")}' is not a selection (ordered or weighted)"));
            var members = carrier.Gateways ?? [];
            if (members.Count == 0) errors.Add(new($"{cf}.gateways", "a carrier needs at least one gateway"));
            var seen = new HashSet<string>();
            for (var m = 0; m < members.Count; m++)
            {
                var mf = $"{cf}.gateways[{m}]";
                if (members[m] is not { } member) { errors.Add(new(mf, "is null")); continue; }
                if (string.IsNullOrEmpty(member.Gateway) || !gatewayIds.Contains(member.Gateway))
                    errors.Add(new($"{mf}.gateway", $"'{Shorten(member.Gateway ?? "")}' is not a provisioned gateway"));
                else if (!seen.Add(member.Gateway)) errors.Add(new($"{mf}.gateway", $"gateway '{member.Gateway}' appears twice in the carrier"));
                if (member.Weight is < 1 or > 1000) errors.Add(new($"{mf}.weight", $"{member.Weight} is not a weight (1-1000)"));
            }
        }

        var lcrIds = new HashSet<string>();
        var rules = document.Lcr ?? [];
        for (var r = 0; r < rules.Count; r++)
        {
            var rf = $"lcr[{r}]";
            if (rules[r] is not { } rule) { errors.Add(new(rf, "is null")); continue; }
            CheckE164Prefix(errors, $"{rf}.prefix", rule.Prefix, allowBare: true);
            if (rule.Id is { } id && !LcrIdPattern().IsMatch(id))
                errors.Add(new($"{rf}.id", $"'{Shorten(id)}' is not a valid rule id"));
            var ruleId = rule.Id ?? rule.Prefix ?? "";
            if (!lcrIds.Add(ruleId))
                errors.Add(new(rule.Id is null ? $"{rf}.prefix" : $"{rf}.id",
                    $"rule '{Shorten(ruleId)}' appears twice (give rules that share a prefix an id)"));
            var entries = rule.Carriers ?? [];
            if (entries.Count == 0) errors.Add(new($"{rf}.carriers", "a rule needs at least one carrier"));
            for (var c = 0; c < entries.Count; c++)
                if (entries[c] is not { } entry) errors.Add(new($"{rf}.carriers[{c}]", "is null"));
                else if (string.IsNullOrEmpty(entry.Carrier) || !carrierIds.Contains(entry.Carrier))
                    errors.Add(new($"{rf}.carriers[{c}].carrier", $"'{Shorten(entry.Carrier ?? "")}' is not a provisioned carrier"));
            if (rule.Window is { } w) CheckWindow(errors, $"{rf}.window", w);
        }
    }

    private static void CheckDialplanRules(List<ProvisioningError> errors, string df, DialplanSpec plan)
    {
        var rules = plan.Rules ?? [];
        if (rules.Count == 0) errors.Add(new($"{df}.rules", "a dialplan needs at least one rule"));
        var ids = new HashSet<string>();
        for (var r = 0; r < rules.Count; r++)
        {
            var rf = $"{df}.rules[{r}]";
            if (rules[r] is not { } rule) { errors.Add(new(rf, "is null")); continue; }
            if (rule.Id is { } id)
            {
                CheckId(errors, $"{rf}.id", id);
                if (!ids.Add(id)) errors.Add(new($"{rf}.id", $"rule '{id}' appears twice"));
            }
            if ((rule.Prefix is null) == (rule.Regex is null))
                errors.Add(new(rf, "a rule needs exactly one of prefix or regex"));
            if (rule.Prefix is { } prefix && !DialPrefixPattern().IsMatch(prefix))
                errors.Add(new($"{rf}.prefix", $"'{Shorten(prefix)}' is not a dial prefix (digits, '+', '*', '#')"));
            if (rule.Regex is { } pattern)
            {
                try
                {
                    _ = new Regex(pattern, RegexOptions.CultureInvariant, RegexMatchTimeout);
                }
                catch (ArgumentException ex)
                {
                    errors.Add(new($"{rf}.regex", $"'{Shorten(pattern)}' is not a valid regular expression: {ex.Message}"));
                }
            }
            if (rule.Replace is null) errors.Add(new($"{rf}.replace", "is missing"));
            else if (rule.Replace.Length > 32) errors.Add(new($"{rf}.replace", "is longer than 32 characters"));
        }
    }

    private static void CheckGatewayOptions(List<ProvisioningError> errors, string gf, GatewaySpec gw)
    {
        if (gw.Auth is { } auth)
        {
            if (string.IsNullOrEmpty(auth.Username)) errors.Add(new($"{gf}.auth.username", "is missing"));
            if (string.IsNullOrEmpty(auth.Password)) errors.Add(new($"{gf}.auth.password", "is missing"));
            if (auth.Realm is { } realm && (realm.Length == 0 || realm.Any(char.IsControl)))
                errors.Add(new($"{gf}.auth.realm", "is not a realm"));
        }
        if (gw.StripDigits is < 0 or > 15) errors.Add(new($"{gf}.stripDigits", $"{gw.StripDigits} is not 0-15"));
        else if (gw.StripDigits > 0 && gw.KeepPlus)
            errors.Add(new($"{gf}.keepPlus", "a '+' in front of stripped digits is not E.164: set keepPlus to false when stripping"));
        if (gw.Prefix is null || !GatewayPrefixPattern().IsMatch(gw.Prefix))
            errors.Add(new($"{gf}.prefix", $"'{Shorten(gw.Prefix ?? "")}' is not a number prefix (up to 16 digits, '*', '#')"));
        if (gw.RingTimeoutSeconds is < 1 or > 600) errors.Add(new($"{gf}.ringTimeoutSeconds", $"{gw.RingTimeoutSeconds} is not 1-600"));
        if (gw.Probe is { } probe) CheckProbe(errors, $"{gf}.probe", probe);
    }

    private static void CheckProbe(List<ProvisioningError> errors, string field, ProbeSpec probe)
    {
        if (probe.IntervalSeconds is < 1 or > 3600) errors.Add(new($"{field}.intervalSeconds", $"{probe.IntervalSeconds} is not 1-3600"));
        if (probe.FailureThreshold is < 1 or > 100) errors.Add(new($"{field}.failureThreshold", $"{probe.FailureThreshold} is not 1-100"));
        if (probe.RecoveryThreshold is < 1 or > 100) errors.Add(new($"{field}.recoveryThreshold", $"{probe.RecoveryThreshold} is not 1-100"));
    }

    private static void CheckWindow(List<ProvisioningError> errors, string wf, TimeWindowSpec w)
    {
        var days = w.Days ?? [];
        for (var d = 0; d < days.Count; d++)
            if (days[d] is null || !DayNames.Contains(days[d].ToLowerInvariant()))
                errors.Add(new($"{wf}.days[{d}]", $"'{Shorten(days[d] ?? "")}' is not a day (mon, tue, wed, thu, fri, sat, sun)"));
        var from = TimeWindowMath.ParseMinutes(w.From);
        var to = TimeWindowMath.ParseMinutes(w.To);
        if (from is null or 1440) errors.Add(new($"{wf}.from", $"'{Shorten(w.From ?? "")}' is not a time of day HH:mm"));
        if (to is null) errors.Add(new($"{wf}.to", $"'{Shorten(w.To ?? "")}' is not a time of day HH:mm (24:00 allowed)"));
        if (from is not null && from == to) errors.Add(new($"{wf}.to", "the window is empty (from equals to)"));
        if (w.Zone is null || DateTimeZoneProviders.Tzdb.GetZoneOrNull(w.Zone) is null)
            errors.Add(new($"{wf}.zone", $"'{Shorten(w.Zone ?? "")}' is not a time zone id such as Europe/Amsterdam"));
    }

    private static void CheckE164Prefix(List<ProvisioningError> errors, string field, string? prefix, bool allowBare)
    {
        if (prefix is not null && E164.IsValidPrefix(prefix) && (allowBare || prefix.Length > 1)) return;
        errors.Add(new(field, allowBare
            ? $"'{Shorten(prefix ?? "")}' is not an E.164 prefix ('+' and up to 15 digits; '+' alone matches every number)"
            : $"'{Shorten(prefix ?? "")}' is not an E.164 prefix ('+' and 1 to 15 digits)"));
    }

    private static bool InRange(string did, DidRangeSpec range)
    {
        var last = range.Last ?? range.First;
        if (range.First is null || !E164.IsValid(range.First) || !E164.IsValid(last) || did.Length != range.First.Length) return false;
        var n = E164.Digits(did);
        return n >= E164.Digits(range.First) && n <= E164.Digits(last);
    }
}
