using System.Diagnostics;
using CallControl.Sip.Message;

namespace CallControl.Tests.Message;

/// <summary>
/// Runs one input through everything the message layer offers — framing and parsing in both modes, every typed
/// accessor, header access by index, the builder (copy, forward, response) and a re-parse of what it built — and
/// checks the invariants. The only exception allowed to escape is <see cref="SipMessageException"/> from a typed
/// accessor (the documented way a malformed header is reported).
/// </summary>
public static class FuzzTarget
{
    public static readonly SipParserOptions Options = SipParserOptions.Default;

    /// <summary>Longest a single input may take (parse + all accessors + build), generous for a loaded CI machine.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromMilliseconds(250);

    public static void Exercise(byte[] input)
    {
        // Wall-clock time on a shared machine is noisy (JIT, GC, other builds): only an input that is slow on three
        // runs in a row counts as slow.
        var fastest = TimeSpan.MaxValue;
        for (var attempt = 0; attempt < 3 && fastest > Budget; attempt++)
        {
            var clock = Stopwatch.StartNew();
            ExerciseOnce(input);
            fastest = clock.Elapsed < fastest ? clock.Elapsed : fastest;
        }

        if (fastest > Budget)
        {
            throw new TimeoutException($"one input took {fastest.TotalMilliseconds:F0} ms");
        }
    }

    private static void ExerciseOnce(byte[] input)
    {
        foreach (var isStream in new[] { false, true })
        {
            var frame = SipParser.Frame(input, isStream, Options);
            var result = SipParser.Parse(input, isStream, Options, out var message);
            Check(result.Status == SipFrameStatus.Complete == (message is not null), "a message exactly when Complete");
            Check(result.Status != SipFrameStatus.NeedMoreData || (isStream && result.Length == 0), "NeedMoreData only on a stream, consuming nothing");
            Check(result.Status != SipFrameStatus.Reject || result.StatusCode is 400 or 501 or 505 or 513, "reject carries an answer code");
            Check(frame.Status != SipFrameStatus.Complete || result.Status != SipFrameStatus.NeedMoreData, "Frame and Parse agree on completeness");
            Check(result.Status != SipFrameStatus.Complete || frame == result, "Frame and Parse agree on the length");
            _ = SipParser.IsResponse(input);
            _ = SipParser.KeepAliveLength(input);
            if (message is not null)
            {
                Check(result.Length > 0 && result.Length <= input.Length, "length within the input");
                Check(message.Raw.Length <= result.Length, "raw within the frame");
                ExerciseMessage(message);
            }
        }
    }

    public static void ExerciseMessage(SipMessage m)
    {
        Typed(() => m.RequestUriParsed);
        Typed(() => m.Vias);
        Typed(() => m.TopVia.SentBy);
        Typed(() => m.TopVia.RPort);
        Typed(() => m.From.Tag);
        Typed(() => m.To.Uri?.HostAddress);
        Typed(() => m.Contacts);
        Typed(() => m.Routes);
        Typed(() => m.RecordRoutes);
        _ = (m.IsRequest, m.Method, m.MethodName, m.RequestUri, m.StatusCode, m.ReasonPhrase, m.CSeq, m.MaxForwards);
        _ = (m.CallId, m.ContentType, m.ProxyRequire, m.Body, m.ContentLength, m.ToString());
        for (var i = 0; i < m.HeaderCount; i++)
        {
            _ = (m.GetHeaderId(i), m.GetHeaderName(i), m.GetHeaderValue(i));
        }

        foreach (var id in Enum.GetValues<SipHeaderId>())
        {
            _ = m.GetValues(id);
        }

        _ = m.GetFirst("x-unknown");
        Rebuild(SipMessageBuilder.From(m).ToArray());

        // Forward as a proxy does: new top Via and Record-Route, Max-Forwards - 1, first Route consumed.
        var forward = SipMessageBuilder.From(m)
            .AddFirst(SipHeaderId.Via, "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKfuzz")
            .AddTop(SipHeaderId.RecordRoute, "<sip:127.0.0.1;lr>")
            .Set(SipHeaderId.MaxForwards, ((m.MaxForwards ?? 70) - 1).ToString(System.Globalization.CultureInfo.InvariantCulture))
            .RemoveFirstValue(SipHeaderId.Route);
        if (m.IsRequest)
        {
            forward.SetRequestUri("sip:fuzz@127.0.0.1");
            Typed(() => SipMessageBuilder.ResponseTo(m, 404, "Not Found", "fuzztag").ToArray());
        }

        Rebuild(forward.ToArray());
    }

    /// <summary>What the builder wrote must frame again (a stream, since it always writes Content-Length).</summary>
    private static void Rebuild(byte[] built)
    {
        var again = SipParser.Frame(built, isStream: true, Options);
        Check(again.Status != SipFrameStatus.NeedMoreData, "a built message is complete");
        if (SipParser.Parse(built, isStream: true, Options, out var m2).Status == SipFrameStatus.Complete)
        {
            _ = (m2!.HeaderCount, m2.CSeq, m2.Body.Length);
        }
    }

    private static void Typed<T>(Func<T> read)
    {
        try
        {
            _ = read();
        }
        catch (SipMessageException e) when (e.StatusCode is 400 or 416)
        {
            // The documented report of a malformed typed header.
        }
    }

    private static void Check(bool condition, string invariant)
    {
        if (!condition)
        {
            throw new InvalidOperationException("invariant broken: " + invariant);
        }
    }
}
