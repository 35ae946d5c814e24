using CallControl.Billing.Tariffs;
using NodaTime;

namespace CallControl.Billing.Rating;

/// <summary>
/// Pure rating over a <see cref="TariffBook"/>. No clock reads; the call start is passed in.
/// <para>Rules (see also <see cref="RatedCall"/>):</para>
/// <list type="bullet">
/// <item>The account's profile active at the call start picks the plan (falling back to <c>*any</c>), and the plan
/// version in force at the start prices the whole call. The longest matching prefix picks the destination.</item>
/// <item>Billing walks the call from its start: at each point the entry in force at that instant (period) and the
/// rate slot for the elapsed time (group interval start) give an increment; an increment is priced by the period
/// it starts in. A call crossing a period boundary is therefore split there.</item>
/// <item>Answered calls shorter than the minimum duration of the destination rate in force at the start are billed
/// as that long. The connect fee is that of the rate in force at the start, charged once on the first part.</item>
/// <item>Each part (one period, one slot) is rounded with its destination rate's rule; the total is the sum of
/// the rounded parts. The maximum cost (of the rate in force at the start, connect fee included) caps the total by
/// lowering the parts that cross it.</item>
/// <item>A zero-length (unanswered) call costs 0 with no connect fee, but is still refused if it has no rate.</item>
/// </list>
/// </summary>
public static class Rater
{
    /// <summary>The longest prepaid grant when the caller does not say.</summary>
    public static readonly Duration DefaultCeiling = Duration.FromHours(3);

    public static RatingResult Rate(TariffBook book, string accountId, string e164Destination, Instant start, Duration duration)
    {
        if (!TryResolve(book, accountId, e164Destination, start, out var plan, out var node, out var refusal))
        {
            return refusal;
        }
        var first = plan.Select(node, start, out _);
        if (first is null)
        {
            return NoRateInPeriod(plan, e164Destination, start);
        }
        if (duration <= Duration.Zero)
        {
            return new RatedCall(accountId, e164Destination, start, Duration.Zero, plan.Currency, plan.PlanId, plan.Version,
                first.DestinationId, first.Prefix, [], 0m, false);
        }

        var firstRate = first.Rate;
        var actualMs = CeilMs(duration);
        var billableMs = Math.Max(actualMs, firstRate.MinimumMs);
        var capped = firstRate.MaxCostStrategy != MaxCostStrategy.None;
        var connectFee = firstRate.Rounding.Apply(firstRate.ConnectFee);

        var parts = new List<RatedPart>(2);
        var total = 0m;
        var maxCostReached = false;
        CompiledBinding? current = null;
        var currentSlot = -1;
        long partStart = 0, partCount = 0, pos = 0;
        while (pos < billableMs)
        {
            if (!Step(plan, node, start, pos, billableMs, out var binding, out var slot, out var count, out var increment))
            {
                return NoRateInPeriod(plan, e164Destination, start + Duration.FromMilliseconds(pos));
            }
            if (!ReferenceEquals(binding, current) || slot != currentSlot)
            {
                if (current is not null)
                {
                    Flush(current, currentSlot, partStart, partCount, pos);
                }
                current = binding;
                currentSlot = slot;
                partStart = pos;
                partCount = 0;
            }
            partCount += count;
            pos += count * increment;
        }
        Flush(current!, currentSlot, partStart, partCount, pos);

        return new RatedCall(accountId, e164Destination, start, duration, plan.Currency, plan.PlanId, plan.Version,
            first.DestinationId, first.Prefix, parts, total, maxCostReached);

        void Flush(CompiledBinding binding, int slot, long fromMs, long count, long toMs)
        {
            var rate = binding.Rate;
            var increment = rate.IncrementMs[slot];
            var billed = count * increment;
            var unrounded = rate.Unrounded(slot, billed);
            var usage = rate.Rounding.Apply(unrounded);
            var fee = parts.Count == 0 ? connectFee : 0m;
            var cost = fee + usage;
            var applied = false;
            if (capped && total + cost > firstRate.MaxCost)
            {
                cost = Math.Max(0m, firstRate.MaxCost - total);
                applied = true;
                maxCostReached = true;
            }
            total += cost;
            var s = rate.Slots[slot];
            parts.Add(new RatedPart(
                start + Duration.FromMilliseconds(fromMs),
                Duration.FromMilliseconds(Math.Min(toMs, actualMs) - Math.Min(fromMs, actualMs)),
                Duration.FromMilliseconds(billed),
                count,
                s.Increment,
                s.Price,
                s.Unit,
                s.GroupIntervalStart,
                rate.DestinationRateId,
                rate.RateId,
                binding.Timing.Id,
                rate.Rounding,
                unrounded,
                fee,
                usage,
                cost,
                applied));
        }
    }

    /// <inheritdoc cref="MaxDuration(TariffBook, string, string, Instant, decimal, Duration)"/>
    public static MaxDurationResult MaxDuration(TariffBook book, string accountId, string e164Destination, Instant start, decimal availableBalance) =>
        MaxDuration(book, accountId, e164Destination, start, availableBalance, DefaultCeiling);

    /// <summary>
    /// The longest duration, in whole increments, whose cost (as <see cref="Rate"/> computes it) is at most
    /// <paramref name="availableBalance"/>, up to <paramref name="ceiling"/>. Zero if even the connect fee and the
    /// first increment are unaffordable.
    /// </summary>
    public static MaxDurationResult MaxDuration(TariffBook book, string accountId, string e164Destination, Instant start, decimal availableBalance, Duration ceiling)
    {
        if (!TryResolve(book, accountId, e164Destination, start, out var plan, out var node, out var refusal))
        {
            return new MaxDurationResult(Duration.Zero, 0m, "", MaxDurationLimit.Refused, refusal);
        }
        var first = plan.Select(node, start, out _);
        if (first is null)
        {
            return new MaxDurationResult(Duration.Zero, 0m, plan.Currency, MaxDurationLimit.Refused, NoRateInPeriod(plan, e164Destination, start));
        }
        var firstRate = first.Rate;
        var ceilingMs = Math.Max(0, ceiling.BclCompatibleTicks / NodaConstants.TicksPerMillisecond);
        var limit = availableBalance;
        var limitedBy = MaxDurationLimit.Balance;
        switch (firstRate.MaxCostStrategy)
        {
            case MaxCostStrategy.Cap when availableBalance >= firstRate.MaxCost:
                // Every duration costs at most the cap, which is affordable: only the ceiling limits the grant.
                limit = decimal.MaxValue / 4;
                break;
            case MaxCostStrategy.Disconnect when firstRate.MaxCost <= availableBalance:
                limit = firstRate.MaxCost;
                limitedBy = MaxDurationLimit.MaxCost;
                break;
        }

        // With a cap, Rate's total is min(cost, cap).
        decimal Charged(decimal cost) =>
            firstRate.MaxCostStrategy == MaxCostStrategy.Cap ? Math.Min(cost, firstRate.MaxCost) : cost;

        var connectFee = firstRate.Rounding.Apply(firstRate.ConnectFee);
        if (ceilingMs == 0 || connectFee > limit)
        {
            return new MaxDurationResult(Duration.Zero, 0m, plan.Currency, ceilingMs == 0 ? MaxDurationLimit.Ceiling : limitedBy, null);
        }
        if (firstRate.MinimumMs > 0
            && Rate(book, accountId, e164Destination, start, Duration.FromMilliseconds(firstRate.MinimumMs)) is RatedCall atMinimum
            && (atMinimum.Total > limit || (firstRate.MaxCostStrategy == MaxCostStrategy.Disconnect && atMinimum.MaxCostReached)))
        {
            return new MaxDurationResult(Duration.Zero, 0m, plan.Currency, limitedBy, null);
        }

        var committed = connectFee; // cost of the finished parts (rounded), connect fee included
        CompiledBinding? current = null;
        var currentSlot = -1;
        long partBilled = 0, pos = 0;
        var partCost = 0m;
        while (pos < ceilingMs)
        {
            if (!Step(plan, node, start, pos, ceilingMs, out var binding, out var slot, out var count, out var increment))
            {
                return new MaxDurationResult(Duration.FromMilliseconds(pos), Charged(pos == 0 ? 0m : committed + partCost), plan.Currency, MaxDurationLimit.RateEnds, null);
            }
            if (!ReferenceEquals(binding, current) || slot != currentSlot)
            {
                committed += partCost;
                current = binding;
                currentSlot = slot;
                partBilled = 0;
                partCost = 0m;
            }
            if (pos + count * increment > ceilingMs)
            {
                // Grants are whole increments: never round past the ceiling.
                count = (ceilingMs - pos) / increment;
                if (count == 0)
                {
                    break;
                }
            }
            // Largest k in [0, count] with committed + cost(partBilled + k increments) <= limit; cost grows with k.
            var rate = binding.Rate;
            long lo = 0, hi = count;
            while (lo < hi)
            {
                var mid = lo + (hi - lo + 1) / 2;
                if (committed + rate.Cost(slot, partBilled + mid * increment) <= limit)
                {
                    lo = mid;
                }
                else
                {
                    hi = mid - 1;
                }
            }
            if (lo > 0)
            {
                partBilled += lo * increment;
                partCost = rate.Cost(slot, partBilled);
                pos += lo * increment;
            }
            if (lo < count)
            {
                // Nothing granted costs nothing: the connect fee is only due on an answered call.
                return new MaxDurationResult(Duration.FromMilliseconds(pos), Charged(pos == 0 ? 0m : committed + partCost), plan.Currency, limitedBy, null);
            }
        }
        return new MaxDurationResult(Duration.FromMilliseconds(pos), Charged(pos == 0 ? 0m : committed + partCost), plan.Currency, MaxDurationLimit.Ceiling, null);
    }

    /// <summary>
    /// One stretch from <paramref name="pos"/> (ms into the call) with a single entry and slot, ending at the next
    /// period change, the next group interval start, or <paramref name="limit"/>, rounded up to whole increments.
    /// </summary>
    private static bool Step(CompiledPlan plan, int node, Instant start, long pos, long limit,
        out CompiledBinding binding, out int slot, out long count, out long increment)
    {
        var at = start + Duration.FromMilliseconds(pos);
        var selected = plan.Select(node, at, out var changesAt);
        if (selected is null)
        {
            binding = null!;
            slot = -1;
            count = increment = 0;
            return false;
        }
        binding = selected;
        var periodEnd = pos + Math.Max(1, CeilMs(changesAt - at));
        var rate = selected.Rate;
        slot = rate.SlotAt(pos);
        var end = Math.Min(Math.Min(periodEnd, rate.NextGroupStartMs(slot)), limit);
        increment = rate.IncrementMs[slot];
        count = (end - pos + increment - 1) / increment;
        return true;
    }

    private static bool TryResolve(TariffBook book, string accountId, string e164Destination, Instant start,
        out CompiledPlan plan, out int node, out NoRate refusal)
    {
        plan = null!;
        node = -1;
        refusal = null!;
        var digits = e164Destination.AsSpan();
        if (digits.Length > 0 && digits[0] == '+')
        {
            digits = digits[1..];
        }
        if (digits.Length == 0 || !TariffConventions.IsDigits(digits))
        {
            refusal = new NoRate(NoRateReason.InvalidNumber, $"'{e164Destination}' is not an E.164 number");
            return false;
        }
        var subject = accountId;
        for (var hop = 0; hop < 4; hop++)
        {
            var profile = book.ProfileAt(subject, start)
                ?? (subject == TariffConventions.Any ? null : book.ProfileAt(TariffConventions.Any, start));
            if (profile is null)
            {
                refusal = new NoRate(NoRateReason.NoTariffPlan, $"no rating profile for account '{subject}' or '*any' at {start}");
                return false;
            }
            var compiled = book.CompiledPlanAt(profile.PlanId, start);
            if (compiled is null)
            {
                refusal = new NoRate(NoRateReason.PlanNotInForce, $"plan '{profile.PlanId}' (account '{profile.AccountId}') has no version in force at {start}");
                return false;
            }
            var matched = compiled.Match(digits);
            if (matched >= 0)
            {
                plan = compiled;
                node = matched;
                return true;
            }
            if (profile.FallbackAccountId is null || profile.FallbackAccountId == subject)
            {
                refusal = new NoRate(NoRateReason.NoDestination, $"plan '{profile.PlanId}' v{compiled.Version} has no destination for '{e164Destination}'");
                return false;
            }
            subject = profile.FallbackAccountId;
        }
        refusal = new NoRate(NoRateReason.NoDestination, $"no destination for '{e164Destination}' after following fallback accounts from '{accountId}'");
        return false;
    }

    private static NoRate NoRateInPeriod(CompiledPlan plan, string destination, Instant at) =>
        new(NoRateReason.NoRateInPeriod, $"plan '{plan.PlanId}' v{plan.Version} has no rate for '{destination}' in force at {at}");

    private static long CeilMs(Duration d)
    {
        var ns = d.ToInt64Nanoseconds();
        return ns <= 0 ? 0 : (ns + 999_999) / 1_000_000;
    }
}
