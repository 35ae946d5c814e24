using System.Net;
using System.Net.Sockets;

namespace CallControl.Routing;

/// <summary>An IP address or a CIDR range (<c>10.1.2.0/24</c>, <c>2001:db8::/32</c>).</summary>
public readonly record struct AddressRange(IPAddress Network, int PrefixLength)
{
    public bool IsSingleAddress => PrefixLength == (Network.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);

    public static bool TryParse(string text, out AddressRange range)
    {
        range = default;
        var slash = text.IndexOf('/');
        var addressText = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(addressText, out var address) || addressText.Contains('%')) return false;
        var max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = max;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, null, out prefix) || prefix > max))
            return false;
        range = new AddressRange(Mask(address, prefix), prefix);
        return true;
    }

    public bool Contains(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != Network.AddressFamily) return false;
        return Mask(address, PrefixLength).Equals(Network);
    }

    public bool Overlaps(AddressRange other) =>
        other.Network.AddressFamily == Network.AddressFamily &&
        (PrefixLength <= other.PrefixLength ? Contains(other.Network) : other.Contains(Network));

    private static IPAddress Mask(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var bits = Math.Clamp(prefix - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - bits));
        }
        return new IPAddress(bytes);
    }

    public override string ToString() => IsSingleAddress ? Network.ToString() : $"{Network}/{PrefixLength}";
}
