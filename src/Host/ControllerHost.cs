using CallControl.Host.Api;
using CallControl.Host.Billing;
using CallControl.Host.Calls;
using CallControl.Host.EventStore;
using CallControl.Host.Limits;
using CallControl.Host.Provisioning;
using CallControl.Host.Routing;
using CallControl.Host.Sip;
using CallControl.Projections;
using CallControl.Sip.Proxy;
using JasperFx;
using JasperFx.CodeGeneration;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;
using NodaTime.Serialization.SystemTextJson;
using Wolverine;
using Wolverine.Http;
using Wolverine.Marten;

namespace CallControl.Host;

/// <summary>The composition root of a running controller: SIP, HTTP API, event store, projections.</summary>
public static class ControllerHost
{
    public static WebApplication Build(ControllerSettings settings, Action<IServiceCollection>? overrides = null)
    {
        settings.Validate();
        // No reload-on-change of appsettings: its watcher covers the content root (the working directory) recursively,
        // and a controller started in a checkout spent ~3 % of its CPU on build output changing under it (profile).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.WebHost.UseUrls(settings.HttpUrl);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Wolverine", LogLevel.Warning);
        builder.Logging.AddFilter("Marten", LogLevel.Warning);
        builder.Logging.AddFilter("JasperFx", LogLevel.Warning);

        var services = builder.Services;
        services.AddSingleton(settings);
        services.AddSingleton<IClock>(SystemClock.Instance);
        services.AddMarten(opts => EventStoreConfiguration.Configure(opts, settings.ConnectionString, settings.Schema))
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup()
            .IntegrateWithWolverine(w => w.MessageStorageSchemaName = settings.Schema + "_wolverine");
        services.CritterStackDefaults(x =>
        {
            x.Production.GeneratedCodeMode = TypeLoadMode.Dynamic;
            x.Development.GeneratedCodeMode = TypeLoadMode.Dynamic;
        });
        builder.Host.UseWolverine(opts =>
        {
            opts.UseRuntimeCompilation();
            opts.ServiceName = "callcontrol";
        });
        services.AddWolverineHttp();
        services.ConfigureSystemTextJsonForWolverineOrMinimalApi(o => o.SerializerOptions.ConfigureForNodaTime(DateTimeZoneProviders.Tzdb));

        services.AddSingleton<ProvisioningLog>();
        // Applies validate and diff against the live routing table's state (no reading the whole log per apply).
        services.AddSingleton<IProvisioningStateSource>(sp => sp.GetRequiredService<LiveRoutingTable>());
        services.AddSingleton<ProvisioningService>();
        services.AddSingleton<CallQueries>();
        services.AddSingleton<RouteQuery>();
        services.AddSingleton<ActiveCalls>();
        services.AddSingleton<GroupCommitWriter>();
        services.AddSingleton<LiveRoutingTable>();
        services.AddSingleton(sp => new LiveLimits(sp.GetRequiredService<LiveRoutingTable>()));
        // Guards run in registration order: limits first (a call refused for limits must not touch credit).
        if (settings.EnforceLinkLimits) services.AddSingleton<ICallGuard, LimitsGuard>();
        services.AddSingleton<NetworkHealthService>();
        services.AddSingleton<IEnumResolver, DnsEnumResolver>();
        services.AddSingleton<CallPolicy>();
        services.AddSingleton<IProxyPolicy>(sp => sp.GetRequiredService<CallPolicy>());
        // Hosted services start in this order: provisioning loaded, then routing follows the log, then SIP opens.
        services.AddHostedService<StartupProvisioning>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveRoutingTable>());
        // Live limits are rebuilt from the calls still open in the event store before SIP takes new calls.
        services.AddHostedService<LimitsRecovery>();
        services.AddHostedService(sp => sp.GetRequiredService<NetworkHealthService>());
        services.AddSingleton<GatewayProber>();
        services.AddHostedService(sp => sp.GetRequiredService<GatewayProber>());
        services.AddBilling(); // before SIP: the billing state is loaded before calls arrive
        services.AddSingleton<SipService>();
        // Calls the event store still shows open are taken back before SIP opens.
        services.AddSingleton<StaleCalls>();
        services.AddSingleton<RecoveredDialogs>();
        services.AddSingleton<CallRecovery>();
        services.AddHostedService(sp => sp.GetRequiredService<CallRecovery>());
        // After CallRecovery (hosted services start in order): the sweeper's first pass knows which calls are still open.
        services.AddHostedService<ReservationSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<SipService>());
        // Credit comes after the limits guard: a call refused for limits reserves no credit.
        services.AddSingleton<ICallGuard>(sp => sp.GetRequiredService<CreditGuard>());
        // Calling cards: the card named by the PIN pays (CreditGuard leaves these calls alone).
        services.AddSingleton<ICallGuard>(sp => sp.GetRequiredService<CardGuard>());
        overrides?.Invoke(services);

        var app = builder.Build();
        app.MapWolverineEndpoints();
        return app;
    }
}

/// <summary>Applies the demo provisioning when asked, and loads the routing table and the network health before SIP opens.</summary>
internal sealed class StartupProvisioning(ControllerSettings settings, ProvisioningService provisioning, LiveRoutingTable routing,
    NetworkHealthService health, ILogger<StartupProvisioning> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        if (settings.Demo)
        {
            var outcome = await provisioning.ApplyAsync(ProvisioningJson.Demo(), ct: ct);
            logger.LogInformation("Demo provisioning applied: {Count} changes", outcome.Changes.Count);
        }
        await routing.RefreshAsync(ct);
        await health.RefreshAsync(ct);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
