using System.Globalization;
using System.Net;
using CallControl.Calls;
using CallControl.Routing;
using CallControl.Sip.Proxy;

namespace CallControl.Host.Calls;

/// <summary>Between the proxy's <see cref="DialogState"/> and the <see cref="AnsweredDialog"/> recorded on <see cref="CallAnswered"/>
/// (the domain event holds strings only: layers do not leak).</summary>
public static class DialogRecords
{
    /// <summary>The state as recorded. A calling-card PIN is never recorded (docs/decisions.md): the caller's To names the
    /// dialled <c>access*PIN*destination</c>, so a card-shaped user part of a To is masked (<see cref="CardDialString.Mask"/>).</summary>
    public static AnsweredDialog ToEvent(DialogState s) => new(
        s.CalleeTag, s.CallerDestination.ToString(), s.Callee.ToString(), s.CallerFrom, MaskPin(s.CallerTo), MaskPin(s.CalleeTo), s.CallerContact, s.CalleeContact,
        s.CallerRouteSet.ToList(), s.CalleeRouteSet.ToList(), s.CallerCSeq, s.LegFrom, MaskPin(s.LegTo), s.LegCSeqOffset, s.HideTopology, s.RewritesHeaders);

    /// <summary>The proxy's state back from the event; null when an endpoint or a number does not parse (the call is then
    /// recovered without its dialog, as before the state was recorded).</summary>
    public static DialogState? FromEvent(AnsweredDialog d, string? calleeCallId)
    {
        if (!TryParseEndpoint(d.CallerDestination, out var caller) || !TryParseEndpoint(d.Callee, out var callee)) return null;
        if (d.CallerCSeq is < 0 or > uint.MaxValue || d.LegCSeqOffset is < 0 or > uint.MaxValue) return null;
        return new DialogState(d.CalleeTag, caller, callee, d.CallerFrom, Sendable(d.CallerTo), Sendable(d.CalleeTo), d.CallerContact, d.CalleeContact,
            d.CallerRouteSet, d.CalleeRouteSet, (uint)d.CallerCSeq, d.LegFrom, Sendable(d.LegTo), (uint)d.LegCSeqOffset, d.HideTopology, d.RewritesHeaders,
            calleeCallId);
    }

    /// <summary>The PIN mask escaped, so a masked To can go on the wire again (UAs match in-dialog requests by Call-ID and
    /// tags, not by the URI: the caller's To comes back as the From of our requests toward it).</summary>
    private const string EscapedPinMask = "%5Bpin%5D";

    private static string Sendable(string header) => header.Replace(CardDialString.PinMask, EscapedPinMask, StringComparison.Ordinal);

    /// <summary>A name-addr (or addr-spec) with the PIN of a card-shaped user part masked; the same instance otherwise.</summary>
    internal static string MaskPin(string header)
    {
        var lt = header.IndexOf('<');
        var colon = header.IndexOf(':', lt < 0 ? 0 : lt + 1);
        if (colon < 0) return header;
        var end = header.IndexOfAny(['@', ';', '>'], colon + 1);
        if (end < 0) end = header.Length;
        var user = header[(colon + 1)..end];
        var masked = CardDialString.Mask(user);
        return ReferenceEquals(masked, user) ? header : string.Concat(header.AsSpan(0, colon + 1), masked, header.AsSpan(end));
    }

    /// <summary>Parses <see cref="SipEndpoint.ToString"/>: <c>transport:address:port</c> (the address may be IPv6, with colons).</summary>
    public static bool TryParseEndpoint(string text, out SipEndpoint endpoint)
    {
        endpoint = default;
        var first = text.IndexOf(':', StringComparison.Ordinal);
        var last = text.LastIndexOf(':');
        if (first <= 0 || last <= first) return false;
        SipTransport? transport = text[..first] switch
        {
            "udp" => SipTransport.Udp,
            "tcp" => SipTransport.Tcp,
            "tls" => SipTransport.Tls,
            _ => null,
        };
        if (transport is null || !IPAddress.TryParse(text[(first + 1)..last], out var address) ||
            !int.TryParse(text[(last + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            return false;
        endpoint = new SipEndpoint(address, port, transport.Value);
        return true;
    }
}
