using System.Security.Cryptography;
using System.Text;

namespace CallControl.Billing.Accounts;

/// <summary>PIN hashing for calling cards: SHA-256 over account id and PIN, hex. Compared in constant time.</summary>
public static class CallingCardPin
{
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
}
