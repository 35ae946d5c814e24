using System.Net;
using System.Net.Http.Json;
using CallControl.Host;
using CallControl.Host.Cli;
using CallControl.Host.Limits;
using CallControl.Host.Provisioning;
using CallControl.Host.Sip;
using CallControl.Limits;
using CallControl.Projections.Cdrs;
using CallControl.Provisioning;
using CallControl.Tests.Infrastructure;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace CallControl.Tests.Limits;

/// <summary>
/// A controller for limits tests: its own schema (kept across a restart), free ports, and a provisioning
/// document made for the test. PBXs are sipp instances on their own 127.0.0.x addresses at free ports.
/// </summary>
public sealed class LimitsController : IAsyncDisposable
{
    public const string AcmeDid = "+31205550100";
    public const string GlobexDid = "+31205550200";
    public const string BusyDid = "+31205550300";
    public const string RingDid = "+31205550400";
    public const string SilentDid = "+31205550500";
    public static readonly IPAddress Acme = IPAddress.Parse("127.0.0.11");
    public static readonly IPAddress Globex = IPAddress.Parse("127.0.0.12");
    public static readonly IPAddress Busy = IPAddress.Parse("127.0.0.13");
    public static readonly IPAddress Ring = IPAddress.Parse("127.0.0.14");
    public static readonly IPAddress Silent = IPAddress.Parse("127.0.0.15");

    private readonly HttpClient _http;

    private LimitsController(WebApplication app, string schema, string httpUrl)
    {
        App = app;
        Schema = schema;
        HttpUrl = httpUrl;
        _http = new HttpClient { BaseAddress = new Uri(httpUrl) };
    }

    public WebApplication App { get; }
    public string Schema { get; }
    public string HttpUrl { get; }
    public IDocumentStore Store => App.Services.GetRequiredService<IDocumentStore>();
    public IPEndPoint SipEndpoint => App.Services.GetRequiredService<SipService>().UdpEndpoint;
    public LiveUsageRegistry Registry => App.Services.GetRequiredService<LiveLimits>().Current();

    public static async Task<LimitsController> StartAsync(string? schema = null, TimeSpan? maxCallDuration = null)
    {
        schema ??= TestDatabase.NewSchema("lim");
        var httpUrl = $"http://127.0.0.1:{FreePort.Tcp(IPAddress.Loopback)}";
        var app = ControllerHost.Build(new ControllerSettings
        {
            ConnectionString = TestDatabase.ConnectionString,
            Schema = schema,
            SipAddress = IPAddress.Loopback,
            SipPort = 0,
            HttpUrl = httpUrl,
            MaxCallDuration = maxCallDuration ?? TimeSpan.FromHours(4),
        });
        await app.StartAsync();
        return new LimitsController(app, schema, httpUrl);
    }

    /// <summary>The demo (without its limits) plus three test PBXs (busy, ringing, silent), all at the given ports.</summary>
    public static ProvisioningDocument Document(IReadOnlyDictionary<string, int> ports, IReadOnlyDictionary<string, LimitsSpec>? limits = null)
    {
        var demo = ProvisioningJson.Demo();
        PbxSpec Pbx(PbxSpec p) => p with { Port = ports.GetValueOrDefault(p.Id, p.Port), Limits = limits?.GetValueOrDefault(p.Id) };
        var test = new TenantSpec
        {
            Id = "test",
            Pbxs =
            [
                Pbx(new PbxSpec { Id = "busy", Addresses = [Busy.ToString()] }),
                Pbx(new PbxSpec { Id = "ring", Addresses = [Ring.ToString()] }),
                Pbx(new PbxSpec { Id = "silent", Addresses = [Silent.ToString()] }),
            ],
            Dids =
            [
                new DidRangeSpec { First = BusyDid, Pbx = "busy" },
                new DidRangeSpec { First = RingDid, Pbx = "ring" },
                new DidRangeSpec { First = SilentDid, Pbx = "silent" },
            ],
        };
        return demo with
        {
            Tenants = demo.Tenants.Select(t => t with { Pbxs = t.Pbxs.Select(Pbx).ToList() }).Append(test).ToList(),
        };
    }

    public async Task ProvisionAsync(ProvisioningDocument document)
    {
        var outcome = await App.Services.GetRequiredService<ProvisioningService>().ApplyAsync(document);
        if (!outcome.IsValid) throw new InvalidOperationException(string.Join("; ", outcome.Errors));
        await App.Services.GetRequiredService<Host.Routing.LiveRoutingTable>().RefreshAsync();
    }

    public async Task<LimitsView> LiveViewAsync() =>
        (await _http.GetFromJsonAsync<LimitsView>("/api/limits", LimitsCommand.Json))!;

    public async Task<UsageHistory> HistoryAsync(string pbx, NodaTime.Instant from, NodaTime.Instant to)
    {
        var pattern = NodaTime.Text.InstantPattern.General;
        var url = $"/api/limits/history?pbx={pbx}&from={pattern.Format(from)}&to={pattern.Format(to)}";
        return (await _http.GetFromJsonAsync<UsageHistory>(url, LimitsCommand.Json))!;
    }

    public async Task<IReadOnlyList<Cdr>> CdrsFromAsync(IPAddress address, int port)
    {
        await using var session = Store.QuerySession();
        var source = $"udp:{address}:{port}";
        return await session.Query<Cdr>().Where(c => c.Source == source).ToListAsync();
    }

    public async Task<IReadOnlyList<Cdr>> OpenCdrsAsync()
    {
        await using var session = Store.QuerySession();
        return await session.Query<Cdr>().Where(c => c.EndedAt == null).ToListAsync();
    }

    /// <summary>Stops the controller the way a crash would leave the store: calls in progress are not ended.</summary>
    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>Awaiting conditions (bounded polling), never sleeping for synchronisation.</summary>
public static class Await
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (done(value)) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Waited {timeout.TotalSeconds:0} s for {what}; last value: {value}");
            await Task.Delay(50);
        }
    }

    public static Task<T> UntilAsync<T>(Func<T> probe, Func<T, bool> done, TimeSpan timeout, string what) =>
        UntilAsync(() => Task.FromResult(probe()), done, timeout, what);
}
