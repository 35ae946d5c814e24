namespace CallControl.Sip.Message;

/// <summary>The three outcomes of framing: wait for more bytes, reject, or a complete message.</summary>
public enum SipFrameStatus
{
    NeedMoreData,
    Reject,
    Complete,
}
