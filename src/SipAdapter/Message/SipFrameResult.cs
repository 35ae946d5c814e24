namespace CallControl.Sip.Message;

/// <summary>Outcome of <see cref="SipParser"/>: <see cref="SipFrameStatus.NeedMoreData"/> consumes nothing,
/// <see cref="SipFrameStatus.Reject"/> carries a reason with the SIP status to answer, <see cref="SipFrameStatus.Complete"/>
/// carries the number of bytes the message occupies (for UDP: the whole datagram).</summary>
public readonly record struct SipFrameResult(SipFrameStatus Status, int Length, SipParseError Error)
{
    public static SipFrameResult NeedMoreData => new(SipFrameStatus.NeedMoreData, 0, SipParseError.None);

    public static SipFrameResult Complete(int length) => new(SipFrameStatus.Complete, length, SipParseError.None);

    public static SipFrameResult Reject(SipParseError error) => new(SipFrameStatus.Reject, 0, error);

    /// <summary>Status code to answer a rejected request with (responses are dropped, not answered).</summary>
    public int StatusCode => Error switch
    {
        SipParseError.None => 0,
        SipParseError.MessageTooLarge => 513,
        SipParseError.VersionNotSupported => 505,
        SipParseError.UnknownMethodCSeqMismatch => 501,
        _ => 400,
    };

    public string ReasonPhrase => Error switch
    {
        SipParseError.None => "",
        SipParseError.MessageTooLarge => "Message Too Large",
        SipParseError.TooManyHeaders => "Too Many Headers",
        SipParseError.LineTooLong => "Header Line Too Long",
        SipParseError.IncompleteHeaders => "Incomplete Header Section",
        SipParseError.BadStartLine => "Bad Start Line",
        SipParseError.BadMethod => "Bad Method",
        SipParseError.BadRequestUri => "Bad Request-URI",
        SipParseError.VersionNotSupported => "Version Not Supported",
        SipParseError.BadStatusCode => "Bad Status Code",
        SipParseError.BadHeaderLine => "Bad Header Line",
        SipParseError.MissingContentLength => "Missing Content-Length",
        SipParseError.BadContentLength => "Bad Content-Length",
        SipParseError.BodyTruncated => "Body Shorter Than Content-Length",
        SipParseError.MissingRequiredHeader => "Missing Required Header",
        SipParseError.BadCSeq => "Bad CSeq",
        SipParseError.CSeqMethodMismatch => "CSeq Method Mismatch",
        SipParseError.BadMaxForwards => "Bad Max-Forwards",
        SipParseError.DuplicateHeader => "Duplicate Single-Value Header",
        SipParseError.UnknownMethodCSeqMismatch => "Not Implemented",
        _ => "Bad Request",
    };
}
