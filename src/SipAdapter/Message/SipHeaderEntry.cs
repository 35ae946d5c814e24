namespace CallControl.Sip.Message;

/// <summary>Index entry of one header line: ranges into the raw message bytes. <see cref="Folded"/> means the
/// value spans continuation lines and must be unfolded when read as text.</summary>
internal readonly record struct SipHeaderEntry(
    SipHeaderId Id, int LineStart, int LineLength, int NameStart, int NameLength, int ValueStart, int ValueLength, bool Folded);
