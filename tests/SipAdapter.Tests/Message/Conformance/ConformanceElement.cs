using CallControl.Sip.Message;

namespace CallControl.Tests.Message.Conformance;

/// <summary>
/// What our SIP element does with received bytes, as far as the message layer decides it: frame and index
/// (<see cref="SipParser"/>), then read every typed header a proxy core reads (Request-URI, Via, From, To, Call-ID,
/// CSeq, Contact, Route, Record-Route). A <see cref="SipMessageException"/> from an accessor is the element's
/// answer; a rejected response is dropped. Application decisions (416 for a Proxy-Require, 483, 415...) are the
/// proxy's and are documented, not modelled, here.
/// </summary>
public static class ConformanceElement
{
    public static Outcome Receive(ReadOnlyMemory<byte> bytes, bool isStream) => Receive(bytes, isStream, out _, out _);

    public static Outcome Receive(ReadOnlyMemory<byte> bytes, bool isStream, out SipMessage? message, out string detail)
    {
        var result = SipParser.Parse(bytes, isStream, SipParserOptions.Default, out message);
        detail = result.Error.ToString();
        switch (result.Status)
        {
            case SipFrameStatus.NeedMoreData:
                return Outcome.NeedMore;
            case SipFrameStatus.Reject:
                return SipParser.IsResponse(bytes.Span) ? Outcome.Drop : Outcome.Reject(result.StatusCode);
        }

        try
        {
            ReadTypedHeaders(message!);
            return Outcome.Accept;
        }
        catch (SipMessageException e)
        {
            detail = e.ReasonPhrase;
            return message!.IsRequest ? Outcome.Reject(e.StatusCode) : Outcome.Drop;
        }
    }

    /// <summary>Touches every typed accessor (for fuzzing: anything but <see cref="SipMessageException"/> is a bug).</summary>
    public static void ReadTypedHeaders(SipMessage m)
    {
        if (m.IsRequest)
        {
            _ = m.RequestUriParsed;
        }

        _ = m.Vias;
        _ = m.From;
        _ = m.To;
        _ = m.CallId;
        _ = m.CSeq;
        _ = m.Contacts;
        _ = m.Routes;
        _ = m.RecordRoutes;
    }
}
