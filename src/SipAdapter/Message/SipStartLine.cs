namespace CallControl.Sip.Message;

/// <summary>Ranges of the parsed start line (request line or status line).</summary>
internal struct SipStartLine
{
    public bool IsRequest;
    public SipMethod Method;
    public int MethodStart;
    public int MethodLength;
    public int UriStart;
    public int UriLength;
    public int StatusCode;
    public int ReasonStart;
    public int ReasonLength;
}
