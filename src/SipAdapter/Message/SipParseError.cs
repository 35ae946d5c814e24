namespace CallControl.Sip.Message;

/// <summary>Why the framer/parser rejected input. Each maps to a SIP status code and reason phrase.</summary>
public enum SipParseError
{
    None = 0,
    MessageTooLarge,
    TooManyHeaders,
    LineTooLong,
    IncompleteHeaders,
    BadStartLine,
    BadMethod,
    BadRequestUri,
    VersionNotSupported,
    BadStatusCode,
    BadHeaderLine,
    MissingContentLength,
    BadContentLength,
    BodyTruncated,
    MissingRequiredHeader,
    BadCSeq,
    CSeqMethodMismatch,
    BadMaxForwards,

    /// <summary>A header that may appear once (From, To, Call-ID, CSeq, Max-Forwards) appears twice (400).</summary>
    DuplicateHeader,

    /// <summary>An unknown method whose CSeq names another method: 501, as RFC 4475 §3.1.2.18 prefers.</summary>
    UnknownMethodCSeqMismatch,
}
