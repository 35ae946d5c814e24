namespace CallControl.Billing.Money;

/// <summary>How a monetary amount is rounded (CGRateS <c>*up</c>, <c>*down</c>, <c>*middle</c>).</summary>
public enum RoundingMethod
{
    /// <summary>Away from zero whenever anything is left over (CGRateS <c>*up</c>).</summary>
    Up,
    /// <summary>Towards zero, i.e. truncate (CGRateS <c>*down</c>).</summary>
    Down,
    /// <summary>Half away from zero (CGRateS <c>*middle</c>, "half-up").</summary>
    Middle,
}

/// <summary>A rounding method and the number of decimals to keep.</summary>
public readonly record struct RoundingRule(RoundingMethod Method, int Decimals)
{
    public static readonly RoundingRule Cents = new(RoundingMethod.Middle, 2);

    /// <remarks>.NET's <c>ToZero</c>/<c>ToPositiveInfinity</c>/<c>ToNegativeInfinity</c> are directed roundings.</remarks>
    public decimal Apply(decimal amount) => Method switch
    {
        RoundingMethod.Up => Math.Round(amount, Decimals,
            amount >= 0 ? MidpointRounding.ToPositiveInfinity : MidpointRounding.ToNegativeInfinity),
        RoundingMethod.Down => Math.Round(amount, Decimals, MidpointRounding.ToZero),
        RoundingMethod.Middle => Math.Round(amount, Decimals, MidpointRounding.AwayFromZero),
        _ => throw new ArgumentOutOfRangeException(nameof(Method), Method, "unknown rounding method"),
    };
}
