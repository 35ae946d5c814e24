namespace CallControl.Sip.Message;

/// <summary>CSeq header: sequence number and method (RFC 3261 §20.16).</summary>
public readonly record struct SipCSeq(uint Number, SipMethod Method);
