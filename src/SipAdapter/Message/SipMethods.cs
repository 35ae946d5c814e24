using System.Text;

namespace CallControl.Sip.Message;

/// <summary>Maps method tokens to <see cref="SipMethod"/> without allocating (methods are case-sensitive, RFC 3261 §7.1).</summary>
public static class SipMethods
{
    public static SipMethod Parse(ReadOnlySpan<byte> token) => token.Length switch
    {
        3 when token.SequenceEqual("ACK"u8) => SipMethod.Ack,
        3 when token.SequenceEqual("BYE"u8) => SipMethod.Bye,
        4 when token.SequenceEqual("INFO"u8) => SipMethod.Info,
        5 when token.SequenceEqual("PRACK"u8) => SipMethod.Prack,
        5 when token.SequenceEqual("REFER"u8) => SipMethod.Refer,
        6 when token.SequenceEqual("INVITE"u8) => SipMethod.Invite,
        6 when token.SequenceEqual("CANCEL"u8) => SipMethod.Cancel,
        6 when token.SequenceEqual("UPDATE"u8) => SipMethod.Update,
        6 when token.SequenceEqual("NOTIFY"u8) => SipMethod.Notify,
        7 when token.SequenceEqual("OPTIONS"u8) => SipMethod.Options,
        7 when token.SequenceEqual("MESSAGE"u8) => SipMethod.Message,
        7 when token.SequenceEqual("PUBLISH"u8) => SipMethod.Publish,
        8 when token.SequenceEqual("REGISTER"u8) => SipMethod.Register,
        9 when token.SequenceEqual("SUBSCRIBE"u8) => SipMethod.Subscribe,
        _ => SipMethod.Unknown,
    };

    public static SipMethod Parse(string token) => Parse(Encoding.ASCII.GetBytes(token));

    public static string ToToken(SipMethod method) => method switch
    {
        SipMethod.Invite => "INVITE",
        SipMethod.Ack => "ACK",
        SipMethod.Bye => "BYE",
        SipMethod.Cancel => "CANCEL",
        SipMethod.Options => "OPTIONS",
        SipMethod.Register => "REGISTER",
        SipMethod.Update => "UPDATE",
        SipMethod.Info => "INFO",
        SipMethod.Prack => "PRACK",
        SipMethod.Subscribe => "SUBSCRIBE",
        SipMethod.Notify => "NOTIFY",
        SipMethod.Refer => "REFER",
        SipMethod.Message => "MESSAGE",
        SipMethod.Publish => "PUBLISH",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown methods have no fixed token."),
    };

    /// <summary>RFC 3261 token characters (§25.1), used for methods and header names.</summary>
    internal static bool IsTokenChar(byte c) =>
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        c is (byte)'-' or (byte)'.' or (byte)'!' or (byte)'%' or (byte)'*' or (byte)'_' or (byte)'+' or (byte)'`' or (byte)'\'' or (byte)'~';
}
