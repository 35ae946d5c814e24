namespace CallControl.Sip.Message;

/// <summary>Headers the stack recognises (long and compact forms map to the same id).</summary>
public enum SipHeaderId : byte
{
    Other = 0,
    Via,
    From,
    To,
    CallId,
    CSeq,
    MaxForwards,
    Route,
    RecordRoute,
    Contact,
    ContentLength,
    ContentType,
    ProxyRequire,
    Require,
    Supported,
    Unsupported,
    Allow,
    Accept,
    Subject,
    ContentEncoding,
    Event,
    ReferTo,
    AllowEvents,
    RetryAfter,
    Expires,
}
