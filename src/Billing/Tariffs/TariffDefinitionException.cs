namespace CallControl.Billing.Tariffs;

/// <summary>A tariff plan definition is inconsistent (unknown reference, bad slot); names the plan and the item.</summary>
public sealed class TariffDefinitionException(string planId, string item, string message)
    : Exception($"tariff plan '{planId}', {item}: {message}")
{
    public string PlanId { get; } = planId;
    public string Item { get; } = item;
}
