using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CallControl.Sip.Proxy;
using CallControl.Tests.TestSupport;
using Shouldly;
using Xunit.Abstractions;

namespace CallControl.Tests.Interop;

/// <summary>Real SIPp user agents (built-in uac/uas scenarios) through the proxy over UDP.</summary>
public class SippInteropTests(ITestOutputHelper output)
{
    private static string? FindSipp()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            var path = Path.Combine(dir, "sipp");
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    /// <summary>A currently free UDP port on <paramref name="address"/> (SIPp needs a number; never a fixed one).</summary>
    private static int FreeUdpPort(string address)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static Process StartSipp(string sipp, string arguments)
    {
        var info = new ProcessStartInfo(sipp, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        return Process.Start(info) ?? throw new InvalidOperationException("sipp did not start");
    }

    private async Task<int> WaitAsync(Process process, string name)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"{name} did not finish");
        }

        output.WriteLine($"{name} exit {process.ExitCode}: {await process.StandardError.ReadToEndAsync()}");
        return process.ExitCode;
    }

    [Fact]
    public async Task Sipp_uac_calls_sipp_uas_through_the_proxy()
    {
        // SIPp is part of the development machine image; where it is absent there is nothing to run against.
        if (FindSipp() is not { } sipp)
        {
            output.WriteLine("sipp not installed: interop test not run");
            return;
        }

        await using var bed = await ProxyTestBed.StartAsync();
        var uasPort = FreeUdpPort("127.0.0.12");
        bed.Policy.Route = invite => new ForwardInvite([
            new ForwardTarget($"sip:{invite.RequestUriUser}@127.0.0.12:{uasPort}", new SipEndpoint(IPAddress.Parse("127.0.0.12"), uasPort, SipTransport.Udp)),
        ]);

        using var uas = StartSipp(sipp, $"-sn uas -i 127.0.0.12 -p {uasPort} -m 1 -nostdin -timeout 25s");
        await Task.Delay(300); // let the uas bind before the call starts (no readiness signal from SIPp)
        var uacPort = FreeUdpPort("127.0.0.11");
        using var uac = StartSipp(sipp, $"-sn uac 127.0.0.1:{bed.Proxy.Port} -i 127.0.0.11 -p {uacPort} -s 31205550200 -m 1 -nostdin -timeout 25s -d 100");

        (await WaitAsync(uac, "uac")).ShouldBe(0);
        (await WaitAsync(uas, "uas")).ShouldBe(0);
        (await bed.Policy.WaitForAsync("Ended")).Party.ShouldBe(DialogParty.Caller);
        bed.Policy.Events.Select(e => e.Kind).ShouldBe(["Route", "Answered", "Ended"]);
    }
}
