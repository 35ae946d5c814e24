namespace CallControl.Sip.Message;

/// <summary>A header of an otherwise framed message is malformed; <see cref="StatusCode"/> and
/// <see cref="ReasonPhrase"/> are what a request gets answered with.</summary>
public sealed class SipMessageException(int statusCode, string reasonPhrase) : Exception(reasonPhrase)
{
    public int StatusCode { get; } = statusCode;

    public string ReasonPhrase { get; } = reasonPhrase;
}
