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
}
