using System.Net;
using CallControl.Host;
using CallControl.Host.Provisioning;
using CallControl.Host.Sip;
using CallControl.Provisioning;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace CallControl.Tests.Infrastructure;

/// <summary>
/// A whole controller (SIP, HTTP API, Marten, Wolverine) on its own schema and free ports, started in
/// the test process. PBXs and gateways in tests are sipp instances on their own 127.0.0.x addresses.
/// </summary>
public class ControllerFixture : IAsyncLifetime
{
    public static readonly IPAddress AcmeAddress = IPAddress.Parse("127.0.0.11");
    public static readonly IPAddress GlobexAddress = IPAddress.Parse("127.0.0.12");
    public static readonly IPAddress StrangerAddress = IPAddress.Parse("127.0.0.99");

    public WebApplication App { get; private set; } = null!;
    public IDocumentStore Store => App.Services.GetRequiredService<IDocumentStore>();
    public IPEndPoint SipEndpoint { get; private set; } = null!;
    /// <summary>SIP over TCP (its own free port), and over TLS when <see cref="Configure"/> gave a certificate.</summary>
    public IPEndPoint? SipTcpEndpoint { get; private set; }
    public IPEndPoint? SipTlsEndpoint { get; private set; }
    public string HttpUrl { get; private set; } = "";
    /// <summary>Ports the demo PBXs listen on in this fixture (free ports, so classes can run in parallel).</summary>
    public int AcmePort { get; } = FreePort.Udp(AcmeAddress);
    public int GlobexPort { get; } = FreePort.Udp(GlobexAddress);

    public async Task InitializeAsync()
    {
        HttpUrl = $"http://127.0.0.1:{FreePort.Tcp(IPAddress.Loopback)}";
        var settings = new ControllerSettings
        {
            ConnectionString = TestDatabase.ConnectionString,
            Schema = TestDatabase.NewSchema("ctl"),
            SipAddress = IPAddress.Loopback,
            SipPort = 0,
            HttpUrl = HttpUrl,
        };
        App = ControllerHost.Build(Configure(settings));
        await App.StartAsync();
        var sip = App.Services.GetRequiredService<SipService>();
        SipEndpoint = sip.UdpEndpoint;
        SipTcpEndpoint = sip.TcpEndpoint;
        SipTlsEndpoint = sip.TlsEndpoint;
        var outcome = await ProvisionAsync(DemoWithTestPorts());
        if (!outcome.IsValid) throw new InvalidOperationException(string.Join("; ", outcome.Errors));
    }

    /// <summary>Fixtures for special cases (short timers, TLS) change the settings here.</summary>
    protected virtual ControllerSettings Configure(ControllerSettings settings) => settings;

    /// <summary>The demo provisioning, with the PBXs on this fixture's free ports.</summary>
    public ProvisioningDocument DemoWithTestPorts()
    {
        var demo = ProvisioningJson.Demo();
        return demo with
        {
            Tenants = demo.Tenants.Select(t => t with
            {
                Pbxs = t.Pbxs.Select(p => p with { Port = p.Id == "acme-hq" ? AcmePort : p.Id == "globex-main" ? GlobexPort : p.Port }).ToList(),
            }).ToList(),
        };
    }

    public async Task<ProvisioningOutcome> ProvisionAsync(ProvisioningDocument document)
    {
        var outcome = await App.Services.GetRequiredService<ProvisioningService>().ApplyAsync(document);
        await App.Services.GetRequiredService<Host.Routing.LiveRoutingTable>().RefreshAsync();
        return outcome;
    }

    public async Task DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
