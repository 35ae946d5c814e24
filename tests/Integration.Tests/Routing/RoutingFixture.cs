using System.Net;
using CallControl.Calls;
using CallControl.Host;
using CallControl.Host.Calls;
using CallControl.Host.Provisioning;
using CallControl.Host.Routing;
using CallControl.Host.Sip;
using CallControl.Projections.Cdrs;
using CallControl.Provisioning;
using CallControl.Tests.Infrastructure;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace CallControl.Tests.Routing;

/// <summary>
/// A controller provisioned with the demo plus what the routing tests need, every peer on a free port of its
/// own 127.0.0.x address: PBXs acme-hq (.11), globex-main (.12), initech-pbx (.13, everything blocked but
/// emergency); gateways gw-a (.21) and gw-b (.22) with a 2 s ring timeout and probing every hour (so no
/// OPTIONS reaches a sipp that does not expect one); acme's voicemail on .31. Each test class derives its own.
/// </summary>
public class RoutingFixture : IAsyncLifetime
{
    public static readonly IPAddress Acme = IPAddress.Parse("127.0.0.11");
    public static readonly IPAddress Globex = IPAddress.Parse("127.0.0.12");
    public static readonly IPAddress Initech = IPAddress.Parse("127.0.0.13");
    public static readonly IPAddress GwA = IPAddress.Parse("127.0.0.21");
    public static readonly IPAddress GwB = IPAddress.Parse("127.0.0.22");
    public static readonly IPAddress Voicemail = IPAddress.Parse("127.0.0.31");

    public WebApplication App { get; private set; } = null!;
    public IDocumentStore Store => App.Services.GetRequiredService<IDocumentStore>();
    public IPEndPoint SipEndpoint { get; private set; } = null!;
    public string HttpUrl { get; private set; } = "";
    /// <summary>What the controller was started with (its schema, for a second controller on the same store).</summary>
    public ControllerSettings Settings { get; private set; } = null!;
    public int AcmePort { get; } = FreePort.Udp(Acme);
    public int GlobexPort { get; } = FreePort.Udp(Globex);
    public int InitechPort { get; } = FreePort.Udp(Initech);
    public int GwAPort { get; } = FreePort.Udp(GwA);
    public int GwBPort { get; } = FreePort.Udp(GwB);
    public int VoicemailPort { get; } = FreePort.Udp(Voicemail);

    public NetworkHealthService Health => App.Services.GetRequiredService<NetworkHealthService>();
    public RouteQuery RouteQuery => App.Services.GetRequiredService<RouteQuery>();

    protected virtual Task BeforeStartAsync() => Task.CompletedTask;
    protected virtual ControllerSettings Configure(ControllerSettings settings) => settings;

    public async Task InitializeAsync()
    {
        await BeforeStartAsync();
        HttpUrl = $"http://127.0.0.1:{FreePort.Tcp(IPAddress.Loopback)}";
        Settings = Configure(new ControllerSettings
        {
            ConnectionString = TestDatabase.ConnectionString,
            Schema = TestDatabase.NewSchema("rt"),
            SipAddress = IPAddress.Loopback,
            SipPort = 0,
            HttpUrl = HttpUrl,
        });
        App = ControllerHost.Build(Settings);
        await App.StartAsync();
        SipEndpoint = App.Services.GetRequiredService<SipService>().UdpEndpoint;
        var outcome = await ProvisionAsync(Document());
        if (!outcome.IsValid) throw new InvalidOperationException(string.Join("; ", outcome.Errors));
    }

    /// <summary>The document this fixture provisions at start.</summary>
    public virtual ProvisioningDocument Document()
    {
        var demo = ProvisioningJson.Demo();
        var tenants = demo.Tenants.Select(t => t with
        {
            Pbxs = t.Pbxs.Select(p => p.Id switch
            {
                "acme-hq" => p with { Port = AcmePort, Voicemail = $"sip:voicemail@{Voicemail}:{VoicemailPort}" },
                "globex-main" => p with { Port = GlobexPort },
                _ => p,
            }).ToList(),
            Forwards = t.Id == "acme" ? [new ForwardSpec { Did = "+31205550177", To = "+31205550222" }] : t.Forwards,
            AllowedPrefixes = t.Id == "globex" ? ["+31900"] : t.AllowedPrefixes,
        }).ToList();
        tenants.Add(new TenantSpec
        {
            Id = "initech", Name = "Initech",
            Pbxs = [new PbxSpec { Id = "initech-pbx", Addresses = [Initech.ToString()], Port = InitechPort }],
            Dids = [new DidRangeSpec { First = "+31205550300", Last = "+31205550309", Pbx = "initech-pbx" }],
            BlockedPrefixes = ["+1", "+2", "+3", "+4", "+5", "+6", "+7", "+8", "+9"], // every number
            Emergency = [new EmergencySpec { Number = "112", Gateway = "gw-b" }],
        });
        return demo with
        {
            Tenants = tenants,
            Gateways = demo.Gateways.Select(g => g with
            {
                Port = g.Id == "gw-a" ? GwAPort : GwBPort,
                RingTimeoutSeconds = 2,
                Probe = new ProbeSpec { IntervalSeconds = 3600, FailureThreshold = 3 },
            }).ToList(),
        };
    }

    public async Task<ProvisioningOutcome> ProvisionAsync(ProvisioningDocument document)
    {
        var outcome = await App.Services.GetRequiredService<ProvisioningService>().ApplyAsync(document);
        await App.Services.GetRequiredService<LiveRoutingTable>().RefreshAsync();
        return outcome;
    }

    /// <summary>The only CDR of calls placed from this source address and port.</summary>
    public async Task<Cdr?> CdrFromAsync(IPAddress address, int port)
    {
        await using var session = Store.QuerySession();
        var source = $"udp:{address}:{port}";
        var cdrs = await session.Query<Cdr>().Where(c => c.Source == source).ToListAsync();
        return cdrs.SingleOrDefault();
    }

    /// <summary>Waits until the call from that source has a CDR in one of the final states asked for.</summary>
    public Task<Cdr> FinalCdrFromAsync(IPAddress address, int port, params string[] dispositions) =>
        Eventually.Until(() => CdrFromAsync(address, port), c => c is not null && (dispositions.Length == 0 ? c.EndedAt is not null : dispositions.Contains(c.Disposition)))!;

    public async Task<IReadOnlyList<object>> CallEventsAsync(string callKey)
    {
        await using var session = Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(callKey);
        return events.Select(e => e.Data).ToList();
    }

    public async Task<T> SingleEventAsync<T>(string callKey) => (await CallEventsAsync(callKey)).OfType<T>().Single();

    public Instant Now => App.Services.GetRequiredService<IClock>().GetCurrentInstant();

    public async Task DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>Polls until a condition holds (bounded): for facts committed after what a sipp peer can observe.</summary>
public static class Eventually
{
    public static async Task<T> Until<T>(Func<Task<T>> query, Func<T, bool> done, int timeoutMs = 15_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            var value = await query();
            if (done(value)) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"condition not met in {timeoutMs} ms; last value: {value}");
            await Task.Delay(50);
        }
    }
}
