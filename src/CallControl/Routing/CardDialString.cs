using System.Text;

namespace CallControl.Routing;

/// <summary>
/// The dialled string of a calling-card call: <c>&lt;access number&gt;*&lt;PIN&gt;*&lt;destination&gt;</c> in the
/// Request-URI user part (docs/decisions.md, "Calling cards"). <c>*</c> is allowed in a SIP URI user and on every phone
/// keypad. The PIN is the part between the first and the second <c>*</c>; <see cref="Mask"/> hides it in whatever is
/// recorded or logged.
/// </summary>
public static class CardDialString
{
    public const char Separator = '*';

    /// <summary>What stands for the PIN in recorded dialled strings.</summary>
    public const string PinMask = "[pin]";

    /// <summary>
    /// Splits a card-shaped string: a <c>*</c> after a non-empty first part. <paramref name="pin"/> is what follows the
    /// first <c>*</c> up to the second (to the end when there is none); <paramref name="destination"/> what follows the
    /// second (null when there is no second). Feature codes such as <c>*72</c> (leading <c>*</c>) are not card-shaped.
    /// </summary>
    public static bool TrySplit(string dialled, out string access, out string pin, out string? destination)
    {
        var first = dialled.IndexOf(Separator);
        if (first <= 0)
        {
            access = dialled;
            pin = "";
            destination = null;
            return false;
        }
        access = dialled[..first];
        var second = dialled.IndexOf(Separator, first + 1);
        pin = second < 0 ? dialled[(first + 1)..] : dialled[(first + 1)..second];
        destination = second < 0 ? null : dialled[(second + 1)..];
        return true;
    }

    /// <summary>The string with its PIN part replaced by <see cref="PinMask"/>; the same instance when it is not
    /// card-shaped or has no PIN part.</summary>
    public static string Mask(string dialled)
    {
        if (!TrySplit(dialled, out var access, out var pin, out var destination) || pin.Length == 0) return dialled;
        var sb = new StringBuilder(dialled.Length).Append(access).Append(Separator).Append(PinMask);
        if (destination is not null) sb.Append(Separator).Append(destination);
        return sb.ToString();
    }

    /// <summary>A Request-URI with the PIN of its user part masked (see <see cref="Mask"/>).</summary>
    public static string MaskUri(string requestUri, string user)
    {
        var masked = Mask(user);
        return ReferenceEquals(masked, user) ? requestUri : requestUri.Replace(user, masked, StringComparison.Ordinal);
    }
}

/// <summary>A call through a calling-card access number: the card is found by <see cref="Pin"/> downstream (billing).
/// The PIN never appears in <see cref="ToString"/>; routing results record <see cref="AccessNumber"/> only.</summary>
public sealed record CardCall(string AccessNumber, string Pin)
{
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("AccessNumber = ").Append(AccessNumber).Append(", Pin = ").Append(CardDialString.PinMask);
        return true;
    }
}
