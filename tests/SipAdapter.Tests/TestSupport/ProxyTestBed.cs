using System.Net;
using CallControl.Sip;
using CallControl.Sip.Proxy;
using CallControl.Sip.Transactions;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;

namespace CallControl.Tests.TestSupport;

/// <summary>A proxy on 127.0.0.1 (ephemeral ports), a caller on 127.0.0.11 and callees on 127.0.0.12 / .13.</summary>
public sealed class ProxyTestBed : IAsyncDisposable
{
    private ProxyTestBed(SipServer server, FakeProxyPolicy policy)
    {
        Server = server;
        Policy = policy;
    }

    public SipServer Server { get; }

    public FakeProxyPolicy Policy { get; }

    public TestUserAgent Caller { get; } = new("127.0.0.11");

    public TestUserAgent Callee { get; } = new("127.0.0.12");

    public TestUserAgent Callee2 { get; } = new("127.0.0.13");

    public SipEndpoint Proxy => Server.UdpEndpoint;

    public string CallId { get; } = $"call-{Guid.NewGuid():N}@test";

    public DialogKey Key => new(CallId, "caller-tag");

    public static async Task<ProxyTestBed> StartAsync(ISipScheduler? scheduler = null, Func<SipServerOptions, SipServerOptions>? configure = null, IClock? clock = null,
        Microsoft.Extensions.Logging.ILogger? logger = null)
    {
        var policy = new FakeProxyPolicy();
        var options = new SipServerOptions { ListenAddress = IPAddress.Loopback, UdpPort = 0, TcpPort = null };
        if (scheduler is null)
        {
            // Real time on a busy shared machine: keep UDP retransmissions (Timer A/E/G) out of the flow tests.
            options = options with { T1 = TimeSpan.FromSeconds(3), T2 = TimeSpan.FromSeconds(8) };
        }

        options = configure?.Invoke(options) ?? options;
        var server = new SipServer(options, policy, clock ?? SystemClock.Instance, scheduler ?? new SystemSipScheduler(), logger ?? NullLogger.Instance);
        await server.StartAsync();
        return new ProxyTestBed(server, policy);
    }

    /// <summary>Routes every INVITE to the given parties in order (serial failover).</summary>
    public void RouteTo(params TestUserAgent[] targets) =>
        Policy.Route = invite => new ForwardInvite(targets.Select(t => new ForwardTarget($"sip:{invite.RequestUriUser}@{t.HostPort}", t.SipEndpoint)).ToList());

    /// <summary>Awaits a condition on the proxy's state (polling, bounded).</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TestSupportWait.Default);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Condition not met: {what}");
            }

            await Task.Delay(10);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Caller.DisposeAsync();
        await Callee.DisposeAsync();
        await Callee2.DisposeAsync();
    }
}
