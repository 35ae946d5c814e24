using System.Globalization;
using System.Net;

namespace CallControl.Routing;

/// <summary>
/// The small subset of SIP URIs provisioning accepts for fixed targets (voicemail):
/// <c>sip:user@ip[:port][;transport=udp|tcp|tls]</c>. An IP host keeps DNS off the call path.
/// </summary>
public sealed record SipUri(string User, IPAddress Address, int Port, string Transport)
{
    public static bool TryParse(string? text, out SipUri uri)
    {
        uri = null!;
        if (text is null || !text.StartsWith("sip:", StringComparison.Ordinal) || text.Length > 256) return false;
        var rest = text[4..];
        var transport = "udp";
        var semi = rest.IndexOf(';');
        if (semi >= 0)
        {
            var param = rest[(semi + 1)..];
            rest = rest[..semi];
            if (!param.StartsWith("transport=", StringComparison.Ordinal)) return false;
            transport = param["transport=".Length..];
            if (transport is not ("udp" or "tcp" or "tls")) return false;
        }
        var at = rest.IndexOf('@');
        if (at <= 0) return false;
        var user = rest[..at];
        if (user.Any(c => char.IsControl(c) || c is ' ' or '<' or '>' or '"')) return false;
        var hostPort = rest[(at + 1)..];
        string host;
        var port = 5060;
        if (hostPort.StartsWith('['))
        {
            var close = hostPort.IndexOf(']');
            if (close < 0) return false;
            host = hostPort[1..close];
            var after = hostPort[(close + 1)..];
            if (after.Length > 0 && (!after.StartsWith(':') || !TryPort(after[1..], out port))) return false;
        }
        else
        {
            var colon = hostPort.LastIndexOf(':');
            host = colon < 0 ? hostPort : hostPort[..colon];
            if (colon >= 0 && !TryPort(hostPort[(colon + 1)..], out port)) return false;
        }
        if (!IPAddress.TryParse(host, out var address)) return false;
        uri = new SipUri(user, address, port, transport);
        return true;
    }

    private static bool TryPort(string s, out int port) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= 65535;
}
