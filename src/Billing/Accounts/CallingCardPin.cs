using System.Security.Cryptography;
using System.Text;

namespace CallControl.Billing.Accounts;

/// <summary>
/// PIN hashing for calling cards. <see cref="Hash"/>: SHA-256 over account id and PIN, hex, compared in constant time;
/// it proves a PIN. <see cref="Index"/>: a shorter hash of the PIN alone, so the card a dialled PIN belongs to is found
/// with one dictionary lookup instead of hashing the PIN once per card. Neither is the PIN: events, logs and CDRs hold
/// these or the card's account id, never the PIN. Both are fast hashes: they keep PINs out of sight, they do not stop an
/// attacker who has the event store from trying every PIN (long, generated PINs do; see docs/decisions.md).
/// </summary>
public static class CallingCardPin
{
    /// <summary>PINs are digits only (dialled from a phone), this long.</summary>
    public const int MinLength = 6, MaxLength = 20;

    /// <summary>Length of the PINs <see cref="Generate"/> makes.</summary>
    public const int GeneratedLength = 12;

    public static string Hash(string accountId, string pin) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(accountId + "\n" + pin)));

    public static bool Matches(string accountId, string? pin, string pinHash)
    {
        if (pin is null)
        {
            return false;
        }
        var actual = Encoding.ASCII.GetBytes(Hash(accountId, pin));
        var expected = Encoding.ASCII.GetBytes(pinHash);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>The lookup key of a PIN: the first 64 bits of SHA-256 over a fixed label and the PIN, hex.</summary>
    public static string Index(string pin)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes("callcontrol calling-card pin\n" + pin), hash);
        return Convert.ToHexString(hash[..8]);
    }

    /// <summary>Null when <paramref name="pin"/> is a valid PIN, else why not (without repeating it).</summary>
    public static string? Problem(string? pin)
    {
        if (string.IsNullOrEmpty(pin)) return "the PIN is empty";
        if (!pin.All(char.IsAsciiDigit)) return "a PIN is digits only (it is dialled from a phone)";
        if (pin.Length is < MinLength or > MaxLength) return $"a PIN has {MinLength} to {MaxLength} digits, this one has {pin.Length}";
        return null;
    }

    /// <summary>A random PIN of <see cref="GeneratedLength"/> digits (cryptographic random numbers).</summary>
    public static string Generate()
    {
        var digits = new char[GeneratedLength];
        digits[0] = (char)('1' + RandomNumberGenerator.GetInt32(9)); // no leading zero: survives being typed as a number
        for (var i = 1; i < digits.Length; i++) digits[i] = (char)('0' + RandomNumberGenerator.GetInt32(10));
        return new string(digits);
    }
}
