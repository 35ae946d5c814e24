namespace CallControl.Tests.Message.Conformance;

/// <summary>
/// Our decided outcome for every torture message, over UDP (one datagram) and over TCP (a stream), with the reason.
/// Where the RFC leaves a choice (reject or be liberal) the choice is made here and in docs/sip-conformance.md.
/// </summary>
public static class ConformanceExpectations
{
    public sealed record Expectation(Outcome Udp, Outcome Tcp, string Why);

    private static Expectation Same(Outcome o, string why) => new(o, o, why);

    private static readonly Outcome Accept = Outcome.Accept;
    private static readonly Outcome Drop = Outcome.Drop;
    private static readonly Outcome NeedMore = Outcome.NeedMore;

    private static Outcome Reject(int code) => Outcome.Reject(code);

    /// <summary>Invalid per the RFC but accepted on purpose: the RFC allows the liberal reading and nothing we do
    /// depends on the malformed part.</summary>
    public static readonly IReadOnlySet<string> LiberallyAccepted = new HashSet<string>
    {
        "rfc4475/baddate", "rfc4475/regbadct", "rfc4475/badaspec",
    };

    public static readonly IReadOnlyDictionary<string, Expectation> ByKey = new Dictionary<string, Expectation>
    {
        // RFC 4475 §3.1.1 valid
        ["rfc4475/wsinv"] = Same(Accept, "folding, LWS, compact forms, leading zeros all parsed"),
        ["rfc4475/intmeth"] = Same(Accept, "exotic method token kept verbatim (Method=Unknown); '?' and ';' in URI userinfo"),
        ["rfc4475/esc01"] = Same(Accept, "userparts unescaped once"),
        ["rfc4475/escnull"] = Same(Accept, "%00 kept in the user name; two distinct Contacts"),
        ["rfc4475/esc02"] = Same(Accept, "no unescaping in method, header name, display name, branch"),
        ["rfc4475/lwsdisp"] = Same(Accept, "display-name token directly before '<'"),
        ["rfc4475/longreq"] = Same(Accept, "long lines and 34 Via values, no truncation"),
        ["rfc4475/dblreq"] = Same(Accept, "REGISTER framed by Content-Length 0; UDP drops the trailing INVITE, TCP frames it as the next message"),
        ["rfc4475/semiuri"] = Same(Accept, "user part 'user;par=u@example.net'"),
        ["rfc4475/transports"] = Same(Accept, "UDP/SCTP/TLS/UNKNOWN/TCP Via transports"),
        ["rfc4475/mpart01"] = Same(Accept, "binary body of 553 octets framed by Content-Length"),
        ["rfc4475/unreason"] = Same(Accept, "status 200, UTF-8 reason phrase"),
        ["rfc4475/noreason"] = Same(Accept, "status 100, empty reason phrase"),

        // RFC 4475 §3.1.2 invalid
        ["rfc4475/badinv01"] = Same(Reject(400), "Via and Contact accessors reject the empty parameters"),
        ["rfc4475/clerr"] = new(Reject(400), NeedMore, "UDP: body shorter than Content-Length; TCP: wait (the transport closes an idle connection)"),
        ["rfc4475/ncl"] = Same(Reject(400), "negative Content-Length; TCP framing is lost, so the transport closes"),
        ["rfc4475/scalar02"] = Same(Reject(400), "CSeq > 2^32-1"),
        ["rfc4475/scalarlg"] = Same(Drop, "response with CSeq > 2^32-1: dropped"),
        ["rfc4475/quotbal"] = Same(Reject(400), "To accessor: unterminated quoted string"),
        ["rfc4475/ltgtruri"] = Same(Reject(400), "Request-URI in <>"),
        ["rfc4475/lwsruri"] = Same(Reject(400), "LWS inside the Request-URI breaks the request line"),
        ["rfc4475/lwsstart"] = Same(Reject(400), "several SP between request-line elements"),
        ["rfc4475/trws"] = Same(Reject(400), "SP after SIP/2.0"),
        ["rfc4475/escruri"] = Same(Reject(400), "Request-URI accessor rejects URI headers (never forwarded)"),
        ["rfc4475/baddate"] = Same(Accept, "liberal: Date is never interpreted, forwarded unchanged"),
        ["rfc4475/regbadct"] = Same(Accept, "liberal: addr-spec Contact read as if in <>; its ?Route stays a URI header, never a real header"),
        ["rfc4475/badaspec"] = Same(Accept, "liberal: spaces inside <> trimmed"),
        ["rfc4475/baddn"] = new(Reject(400), NeedMore, "archive file has no empty line: UDP incomplete header section (400), TCP waits"),
        ["rfc4475/baddn.terminated"] = Same(Reject(400), "From/To accessors reject unquoted display names with ','"),
        ["rfc4475/badvers"] = Same(Reject(505), "SIP/7.0"),
        ["rfc4475/mismatch01"] = Same(Reject(400), "OPTIONS with CSeq INVITE"),
        ["rfc4475/mismatch02"] = Same(Reject(501), "unknown method with CSeq INVITE: 501 (preferred over 400)"),
        ["rfc4475/bigcode"] = Same(Drop, "status code 4294967301: dropped"),

        // RFC 4475 §3.2–3.4
        ["rfc4475/badbranch"] = Same(Accept, "parsed; Branch is 'z9hG4bK' for the transaction layer to judge"),
        ["rfc4475/insuf"] = Same(Reject(400), "From, To, Call-ID missing"),
        ["rfc4475/unkscm"] = Same(Reject(416), "Request-URI accessor: unknown scheme"),
        ["rfc4475/novelsc"] = Same(Reject(416), "Request-URI accessor: soap.beep is never a Request-URI we serve"),
        ["rfc4475/unksm2"] = Same(Accept, "parsed; non-SIP To/From/Contact have Uri == null (registrar decides, none here)"),
        ["rfc4475/bext01"] = Same(Accept, "parsed; ProxyRequire lists the two tags so the proxy answers 420"),
        ["rfc4475/invut"] = Same(Accept, "parsed; body type is the UAS's business (415), a proxy forwards"),
        ["rfc4475/regaut01"] = Same(Accept, "parsed; Authorization is not interpreted by the message layer"),
        ["rfc4475/multi01"] = Same(Reject(400), "duplicate CSeq/Call-ID/To/From/Max-Forwards"),
        ["rfc4475/mcl01"] = Same(Reject(400), "two different Content-Length values; TCP closes"),
        ["rfc4475/bcast"] = Same(Accept, "parsed; matches no transaction so the transaction layer discards it"),
        ["rfc4475/zeromf"] = Same(Accept, "parsed; MaxForwards = 0 for the proxy's 483"),
        ["rfc4475/cparam01"] = Same(Accept, "unknownparam is a Contact header parameter"),
        ["rfc4475/cparam02"] = Same(Accept, "unknownparam is a URI parameter"),
        ["rfc4475/regescrt"] = Same(Accept, "Contact URI keeps its escaped ?Route header as a URI header"),
        ["rfc4475/sdp01"] = Same(Accept, "parsed; Accept readable for the UAS's 406"),
        ["rfc4475/inv2543"] = new(Accept, Reject(400), "UDP: RFC 2543 message accepted (body = rest of datagram); TCP: Content-Length is mandatory"),

        // RFC 5118
        ["rfc5118/ipv6-good"] = Same(Accept, "bracketed IPv6 references"),
        ["rfc5118/ipv6-bad"] = Same(Reject(400), "Request-URI accessor: unbracketed IPv6 address"),
        ["rfc5118/port-ambiguous"] = Same(Accept, "[2001:db8::10:5070] is an address without port"),
        ["rfc5118/port-unambiguous"] = Same(Accept, "port 5070 outside the brackets"),
        ["rfc5118/via-received-param-with-delim"] = Same(Accept, "received=[...] accepted"),
        ["rfc5118/via-received-param-no-delim"] = Same(Accept, "received=2001:db8::9:255 accepted"),
        ["rfc5118/ipv6-in-sdp"] = Same(Accept, "SDP body is opaque to the message layer"),
        ["rfc5118/mult-ip-in-header"] = Same(Accept, "three Vias, IPv6 with port, IPv4, IPv6 with IPv4 received"),
        ["rfc5118/mult-ip-in-sdp"] = Same(Accept, "SDP body is opaque to the message layer"),
        ["rfc5118/ipv4-mapped-ipv6"] = Same(Accept, "::ffff:192.0.2.2 in Via and Contact"),
        ["rfc5118/ipv6-bug-abnf-3-colons"] = Same(Reject(400), "Request-URI accessor: three colons is not an IPv6 address"),
        ["rfc5118/ipv6-correct-abnf-2-colons"] = Same(Accept, "IPv6 with embedded IPv4 tail"),
    };
}
