namespace CallControl.Routing;

/// <summary>E.164 numbers in the <c>+</c> form: a plus, a non-zero digit, at most 15 digits in all.</summary>
public static class E164
{
    public static bool IsValid(ReadOnlySpan<char> number)
    {
        if (number.Length < 3 || number.Length > 16 || number[0] != '+' || number[1] == '0') return false;
        foreach (var c in number[1..])
            if (c is < '0' or > '9') return false;
        return true;
    }

    /// <summary>A <c>+</c> and 0 to 15 digits (the first not zero): what LCR rules and filters match on.</summary>
    public static bool IsValidPrefix(ReadOnlySpan<char> prefix)
    {
        if (prefix.Length < 1 || prefix.Length > 16 || prefix[0] != '+') return false;
        if (prefix.Length > 1 && prefix[1] == '0') return false;
        foreach (var c in prefix[1..])
            if (c is < '0' or > '9') return false;
        return true;
    }

    /// <summary>The digits as a number; the caller has checked <see cref="IsValid"/>.</summary>
    public static long Digits(ReadOnlySpan<char> number) => long.Parse(number[1..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The digits of a prefix as a number (0 for <c>+</c> alone); the caller has checked <see cref="IsValidPrefix"/>.</summary>
    public static long PrefixDigits(ReadOnlySpan<char> prefix) => prefix.Length == 1 ? 0 : Digits(prefix);
}
