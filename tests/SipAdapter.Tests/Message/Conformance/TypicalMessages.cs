using CallControl.Samples;

namespace CallControl.Tests.Message.Conformance;

/// <summary>Everyday traffic: an INVITE as Asterisk (chan_pjsip) sends it, the 200 OK with SDP, an in-dialog BYE.</summary>
public static class TypicalMessages
{
    public const string AsteriskInviteSdp = SipCorpus.AsteriskInviteSdp;
    public static readonly string Invite = SipCorpus.Invite;
    public const string AnswerSdp = SipCorpus.AnswerSdp;
    public static readonly string Ok200 = SipCorpus.Ok200;
    public const string Bye = SipCorpus.Bye;

    public static byte[] Bytes(string text) => SipCorpus.Bytes(text);

    /// <summary>Valid messages every framing test runs over: name and bytes.</summary>
    public static TheoryData<string> Names => new() { "invite", "ok200", "bye", "wsinv" };

    public static byte[] Get(string name) => name switch
    {
        "invite" => Bytes(Invite),
        "ok200" => Bytes(Ok200),
        "bye" => Bytes(Bye),
        "wsinv" => TortureCorpus.Read("rfc4475/wsinv"),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };
}
