using System.Net;
using CallControl.Host;
using CallControl.Host.Routing;
using CallControl.Routing;
using CallControl.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;

namespace CallControl.Tests.Routing;

public sealed class NetworkHealthRestartFixture : RoutingFixture;

/// <summary>The network health is folded from the event store at start-up, before SIP opens.</summary>
public sealed class NetworkHealthRestartTests(NetworkHealthRestartFixture f) : IClassFixture<NetworkHealthRestartFixture>
{
    [Fact]
    public async Task A_controller_starting_on_the_same_store_knows_which_gateways_are_down_before_it_takes_calls()
    {
        await f.Health.RecordAsync(new GatewayMarkedDown("gw-b", "3 consecutive failed probe(s)", new ProbeResult(false, null, "no answer"), f.Now));
        f.Health.Current.DownGateways.ShouldContainKey("gw-b"); // applied at once, not at the next poll

        var settings = f.Settings with { HttpUrl = $"http://127.0.0.1:{FreePort.Tcp(IPAddress.Loopback)}", SipPort = 0 };
        await using var second = ControllerHost.Build(settings);
        await second.StartAsync();
        try
        {
            // StartAsync returns once every hosted service started, SIP last: the health was loaded before it.
            var health = second.Services.GetRequiredService<NetworkHealthService>().Current;
            health.DownGateways.ShouldContainKey("gw-b");
            health.DownGateways["gw-b"].Reason.ShouldContain("3 consecutive failed probe(s)");
        }
        finally
        {
            await second.StopAsync();
        }

        await f.Health.RecordAsync(new GatewayMarkedUp("gw-b", "1 consecutive successful probe(s)", new ProbeResult(true, 200, "OK"), f.Now));
        f.Health.Current.DownGateways.ShouldNotContainKey("gw-b");
    }
}
