using System.Text.RegularExpressions;
using CallControl.Provisioning;

namespace CallControl.Routing;

/// <summary>How a dialled string became an E.164 number: the number (null if none) and the rule that made it.</summary>
public sealed record Normalization(string Dialled, string? Number, string? DialplanId, string? RuleId, string Reason)
{
    public bool Succeeded => Number is not null;
}

/// <summary>
/// A dialplan compiled for a snapshot: rules sorted by priority (stable), regexes built once with a
/// match timeout. A rule whose result is not E.164, or whose regex times out, is passed over.
/// </summary>
public sealed class Dialplan
{
    private readonly CompiledRule[] _rules;

    public string Id { get; }
    public string TenantId { get; }

    private sealed record CompiledRule(DialplanRule Rule, Regex? Regex);

    public Dialplan(DialplanState state)
    {
        Id = state.Id;
        TenantId = state.TenantId;
        _rules = state.Rules
            .Select((r, i) => (Rule: r, Index: i))
            .OrderBy(x => x.Rule.Priority).ThenBy(x => x.Index)
            .Select(x => new CompiledRule(x.Rule, x.Rule.Regex is { } p ? Compile(p) : null))
            .ToArray();
    }

    private static Regex? Compile(string pattern)
    {
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, ProvisioningValidator.RegexMatchTimeout);
        }
        catch (ArgumentException)
        {
            return null; // validation refuses such documents; a rule that cannot compile never matches
        }
    }

    /// <summary>Turns what a PBX dialled into E.164 with the first rule (by priority) that gives a valid number.</summary>
    public Normalization Normalize(string dialled)
    {
        string? passedOver = null;
        foreach (var compiled in _rules)
        {
            var rule = compiled.Rule;
            string? result = null;
            if (rule.Prefix is { } prefix)
            {
                if (!dialled.StartsWith(prefix, StringComparison.Ordinal)) continue;
                result = string.Concat(rule.Replace, dialled.AsSpan(prefix.Length));
            }
            else if (compiled.Regex is { } regex)
            {
                try
                {
                    var match = regex.Match(dialled);
                    if (!match.Success || match.Index != 0 || match.Length != dialled.Length) continue;
                    result = match.Result(rule.Replace);
                }
                catch (RegexMatchTimeoutException)
                {
                    passedOver ??= $"rule {rule.Id} timed out";
                    continue;
                }
            }
            if (result is null) continue;
            if (E164.IsValid(result))
                return new Normalization(dialled, result, Id, rule.Id, $"{Router.Printable(dialled)} -> {result} by rule {rule.Id} of dialplan {Id} ({Describe(rule)})");
            passedOver ??= $"rule {rule.Id} gave '{Router.Printable(result)}', not E.164";
        }
        if (E164.IsValid(dialled))
            return new Normalization(dialled, dialled, Id, null, $"{dialled} is E.164 as dialled (no rule of dialplan {Id} applies)");
        return new Normalization(dialled, null, Id, null,
            $"dialplan {Id} cannot make '{Router.Printable(dialled)}' an E.164 number" + (passedOver is null ? "" : $" ({passedOver})"));
    }

    /// <summary>Without a dialplan only E.164 passes.</summary>
    public static Normalization AsDialled(string dialled) => E164.IsValid(dialled)
        ? new Normalization(dialled, dialled, null, null, $"{dialled} is E.164 as dialled (no dialplan)")
        : new Normalization(dialled, null, null, null, $"'{Router.Printable(dialled)}' is not an E.164 number and no dialplan applies");

    private static string Describe(DialplanRule rule) =>
        rule.Prefix is { } p ? $"prefix {p} -> {(rule.Replace.Length == 0 ? "nothing" : rule.Replace)}" : $"regex {rule.Regex} -> {rule.Replace}";
}
