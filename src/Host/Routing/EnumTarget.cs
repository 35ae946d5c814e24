using System.Globalization;

namespace CallControl.Host.Routing;

/// <summary>Host, port and transport of a SIP URI that ENUM gave (<c>sip:user@host[:port][;transport=tcp]</c>).
/// The port defaults to 5060 (5061 for sips), the transport to UDP (TLS for sips).</summary>
public sealed record EnumTarget(string Host, int Port, string Transport)
{
    public static bool TryParse(string uri, out EnumTarget target)
    {
        target = null!;
        var secure = uri.StartsWith("sips:", StringComparison.OrdinalIgnoreCase);
        if (!secure && !uri.StartsWith("sip:", StringComparison.OrdinalIgnoreCase)) return false;
        var rest = uri[(secure ? 5 : 4)..];
        var end = rest.IndexOfAny([';', '?']);
        var hostPort = end < 0 ? rest : rest[..end];
        var parameters = end < 0 ? "" : rest[end..];
        var at = hostPort.LastIndexOf('@');
        if (at >= 0) hostPort = hostPort[(at + 1)..];
        string host;
        var port = secure ? 5061 : 5060;
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
        if (host.Length == 0) return false;
        var transport = secure ? "tls" : "udp";
        foreach (var p in parameters.Split([';', '?'], StringSplitOptions.RemoveEmptyEntries))
            if (p.StartsWith("transport=", StringComparison.OrdinalIgnoreCase))
                transport = p["transport=".Length..].ToLowerInvariant();
        if (transport is not ("udp" or "tcp" or "tls")) return false;
        target = new EnumTarget(host, port, transport);
        return true;
    }

    private static bool TryPort(string s, out int port) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= 65535;
}
