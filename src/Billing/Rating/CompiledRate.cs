using CallControl.Billing.Money;
using CallControl.Billing.Tariffs;

namespace CallControl.Billing.Rating;

/// <summary>A destination rate with its slots as parallel arrays in milliseconds.</summary>
internal sealed class CompiledRate
{
    public CompiledRate(DestinationRateDefinition dr, RateDefinition rate, string planId)
    {
        DestinationRateId = dr.Id;
        RateId = rate.Id;
        Rounding = dr.Rounding;
        MaxCostStrategy = dr.MaxCost > 0 ? dr.MaxCostStrategy : MaxCostStrategy.None;
        MaxCost = dr.MaxCost;
        MinimumMs = ToMs(dr.MinimumDuration);
        Slots = [.. rate.Slots.OrderBy(s => s.GroupIntervalStart)];
        if (Slots.Length == 0 || Slots[0].GroupIntervalStart != NodaTime.Duration.Zero)
        {
            throw new TariffDefinitionException(planId, $"rate '{rate.Id}'", "the first slot must start at group interval 0s");
        }
        GroupStartMs = new long[Slots.Length];
        IncrementMs = new long[Slots.Length];
        UnitMs = new long[Slots.Length];
        for (var i = 0; i < Slots.Length; i++)
        {
            GroupStartMs[i] = ToMs(Slots[i].GroupIntervalStart);
            IncrementMs[i] = ToMs(Slots[i].Increment);
            UnitMs[i] = ToMs(Slots[i].Unit);
            if (IncrementMs[i] <= 0 || UnitMs[i] <= 0)
            {
                throw new TariffDefinitionException(planId, $"rate '{rate.Id}'", "unit and increment must be at least 1ms");
            }
            if (i > 0 && GroupStartMs[i] == GroupStartMs[i - 1])
            {
                throw new TariffDefinitionException(planId, $"rate '{rate.Id}'", "two slots start at the same group interval");
            }
        }
        ConnectFee = Slots[0].ConnectFee;
    }

    public string DestinationRateId { get; }
    public string RateId { get; }
    public RoundingRule Rounding { get; }
    public MaxCostStrategy MaxCostStrategy { get; }
    public decimal MaxCost { get; }
    public long MinimumMs { get; }
    public decimal ConnectFee { get; }
    public RateSlot[] Slots { get; }
    public long[] GroupStartMs { get; }
    public long[] IncrementMs { get; }
    public long[] UnitMs { get; }

    /// <summary>The slot in force at <paramref name="elapsedMs"/> into the call.</summary>
    public int SlotAt(long elapsedMs)
    {
        var i = GroupStartMs.Length - 1;
        while (i > 0 && GroupStartMs[i] > elapsedMs)
        {
            i--;
        }
        return i;
    }

    public long NextGroupStartMs(int slot) => slot + 1 < GroupStartMs.Length ? GroupStartMs[slot + 1] : long.MaxValue;

    /// <summary>Rounded cost of <paramref name="billedMs"/> at <paramref name="slot"/>.</summary>
    public decimal Cost(int slot, long billedMs) => Rounding.Apply(Unrounded(slot, billedMs));

    public decimal Unrounded(int slot, long billedMs) => Slots[slot].Price * billedMs / UnitMs[slot];

    internal static long ToMs(NodaTime.Duration d) => d.BclCompatibleTicks / NodaTime.NodaConstants.TicksPerMillisecond;
}
