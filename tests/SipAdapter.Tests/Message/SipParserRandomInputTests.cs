using CallControl.Sip.Message;
using CsCheck;

namespace CallControl.Tests.Message;

/// <summary>The parser must never throw on any input, and typed accessors only with <see cref="SipMessageException"/>.</summary>
public class SipParserRandomInputTests
{
    private const string Specials = "<>\";,:@[] \t\r\n%=";

    private static readonly byte[] Sample = SampleMessages.Bytes(SampleMessages.Invite);

    private static void ParseEverything(byte[] data, bool isStream)
    {
        var result = SipParser.Parse(data, isStream, SipParserOptions.Default, out var message);
        if (result.Status != SipFrameStatus.Complete || message is null)
        {
            _ = result.ReasonPhrase;
            return;
        }

        Touch(() => message.Vias);
        Touch(() => message.TopVia);
        Touch(() => message.From);
        Touch(() => message.To);
        Touch(() => message.Routes);
        Touch(() => message.RecordRoutes);
        Touch(() => message.Contacts);
        Touch(() => message.RequestUriParsed);
        _ = message.CallId;
        _ = message.ProxyRequire;
        for (var i = 0; i < message.HeaderCount; i++)
        {
            _ = message.GetHeaderValue(i);
        }

        if (message.IsRequest)
        {
            Touch(() => SipMessageBuilder.ResponseTo(message, 400, "Bad Request", "t").ToArray());
        }
    }

    private static void Touch<T>(Func<T> accessor)
    {
        try
        {
            _ = accessor();
        }
        catch (SipMessageException)
        {
            // A malformed header is reported this way; anything else fails the test.
        }
    }

    [Fact]
    public void Random_bytes_never_throw() =>
        Gen.Byte.Array[0, 600].Sample(data => ParseEverything(data, isStream: false), iter: 2_000);

    [Fact]
    public void Mutated_invites_never_throw() =>
        Gen.Select(Gen.Int[0, Sample.Length - 1], Gen.Byte, Gen.Int[1, 3])
            .Array[1, 8]
            .Sample(mutations =>
            {
                var data = (byte[])Sample.Clone();
                foreach (var (at, value, kind) in mutations)
                {
                    data[at] = kind switch
                    {
                        1 => value,
                        2 => (byte)Specials[value % Specials.Length],
                        _ => (byte)' ',
                    };
                }

                ParseEverything(data, isStream: false);
                ParseEverything(data, isStream: true);
            }, iter: 3_000);
}
