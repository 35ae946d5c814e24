using System.Text;
using CallControl.Sip.Message;
using CallControl.Tests.Message;
using CallControl.Tests.TestSupport;
using Shouldly;

namespace CallControl.Tests.Proxy;

public class ProxyFuzzTests
{
    [Fact]
    public async Task Mutated_messages_never_fail_the_proxy()
    {
        var logger = new CountingLogger();
        await using var bed = await ProxyTestBed.StartAsync(logger: logger);
        bed.RouteTo(bed.Callee);
        var random = new Random(Environment.GetEnvironmentVariable("FUZZ_SEED") is { } seed ? int.Parse(seed, System.Globalization.CultureInfo.InvariantCulture) : 4475);
        const string specials = "<>\";,:@[] \t\r\n%=;";
        var templates = new[]
        {
            SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()),
            SampleMessages.Ringing.Replace("127.0.0.1:5060", $"127.0.0.1:{bed.Proxy.Port}"),
            SipText.InDialog("BYE", bed.Caller, $"sip:x@{bed.Callee.HostPort}", [$"<sip:127.0.0.1:{bed.Proxy.Port};lr>"], "<sip:a@b>;tag=caller-tag",
                "<sip:c@d>;tag=callee-tag", bed.CallId, 3, bed.Caller.NewBranch()),
        };
        for (var i = 0; i < (Environment.GetEnvironmentVariable("FUZZ_COUNT") is { } count ? int.Parse(count, System.Globalization.CultureInfo.InvariantCulture) : 300); i++)
        {
            var bytes = Encoding.UTF8.GetBytes(templates[i % templates.Length]);
            for (var m = random.Next(1, 6); m > 0; m--)
            {
                bytes[random.Next(bytes.Length)] = random.Next(2) == 0 ? (byte)random.Next(256) : (byte)specials[random.Next(specials.Length)];
            }

            await bed.Caller.SendAsync(bytes, bed.Proxy);
            if (i % 25 == 24)
            {
                // Flow control, and proof that the proxy still answers.
                await ProbeAsync(bed, $"fuzz-probe-{i}");
            }
        }

        await ProbeAsync(bed, "fuzz-end");
        logger.Errors.ShouldBeEmpty();
    }

    private static async Task ProbeAsync(ProxyTestBed bed, string callId)
    {
        var options = $"OPTIONS sip:{bed.Proxy.Address}:{bed.Proxy.Port} SIP/2.0\r\n" +
                      $"Via: SIP/2.0/UDP {bed.Caller.HostPort};branch={bed.Caller.NewBranch()}\r\n" +
                      "From: <sip:ping@127.0.0.11>;tag=p1\r\nTo: <sip:127.0.0.1>\r\n" +
                      $"Call-ID: {callId}\r\nCSeq: 7 OPTIONS\r\nContent-Length: 0\r\n\r\n";
        for (var attempt = 0; ; attempt++)
        {
            // UDP on a loaded machine may drop a datagram; like a real UA, retransmit.
            await bed.Caller.SendAsync(options, bed.Proxy);
            try
            {
                await bed.Caller.ExpectAsync(m => m.StatusCode == 200 && m.CallId == callId, $"OPTIONS answer {callId}", TimeSpan.FromSeconds(1));
                return;
            }
            catch (TimeoutException) when (attempt < 4)
            {
                // next attempt
            }
        }
    }
}
