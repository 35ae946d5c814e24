using System.Net;
using CallControl.Host.Calls;
using CallControl.Sip;
using CallControl.Sip.Proxy;
using CallControl.Sip.Transactions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace CallControl.Host.Sip;

/// <summary>Runs the SIP stack for the controller's lifetime. Hosted services start in registration
/// order, so the ports open only after the routing table is loaded.</summary>
public sealed class SipService(ControllerSettings settings, IProxyPolicy policy, IClock clock, ILoggerFactory loggers,
    RecoveredDialogs recovered, ActiveCalls calls) : IHostedService, IAsyncDisposable
{
    private SipServer? _server;

    public SipServer Server => _server ?? throw new InvalidOperationException("SIP is not started");

    /// <summary>The SIP server once it listens, else null (hosted services start in order; probes wait for it).</summary>
    public SipServer? Running { get; private set; }

    /// <summary>Where SIP listens on UDP (the real port when 0 was asked for).</summary>
    public IPEndPoint UdpEndpoint => new(Server.UdpEndpoint.Address, Server.UdpEndpoint.Port);

    /// <summary>Where SIP listens on TCP, or null.</summary>
    public IPEndPoint? TcpEndpoint => Server.TcpEndpoint is { } tcp ? new(tcp.Address, tcp.Port) : null;

    /// <summary>Where SIP listens on TLS, or null when TLS is off.</summary>
    public IPEndPoint? TlsEndpoint => Server.TlsEndpoint is { } tls ? new(tls.Address, tls.Port) : null;

    public async Task StartAsync(CancellationToken ct)
    {
        var options = new SipServerOptions
        {
            ListenAddress = settings.SipAddress,
            UdpPort = settings.SipPort,
            TcpPort = settings.SipTcpPort ?? settings.SipPort,
            TlsPort = settings.TlsEnabled ? settings.TlsPort : null,
            TlsCertificatePath = settings.TlsCertificatePath,
            TlsKeyPath = settings.TlsKeyPath,
            DialogPingInterval = settings.DialogPingInterval,
            DialogPingFailureLimit = settings.DialogPingFailures,
        };
        if (settings.SipTimerC is { } timerC) options = options with { TimerC = timerC };
        if (settings.SipT1 is { } t1) options = options with { T1 = t1, T2 = t1 > options.T2 ? t1 : options.T2 };
        _server = new SipServer(options, policy, clock, new SystemSipScheduler(), loggers.CreateLogger("CallControl.Sip"));
        await _server.StartAsync(ct);
        await RestoreDialogsAsync(_server);
        Running = _server;
        loggers.CreateLogger<SipService>().LogInformation("SIP listening on udp {Udp}, tcp {Tcp} and tls {Tls}", _server.UdpEndpoint, _server.TcpEndpoint,
            _server.TlsEndpoint?.ToString() ?? "off (no certificate)");
    }

    /// <summary>Answered calls taken back from the event store (<see cref="CallRecovery"/>) with their recorded dialog: the
    /// proxy carries them on from now (a carrier's BYE with the Call-ID alias finds its call, pings, BYE at the call's limit).</summary>
    private async Task RestoreDialogsAsync(SipServer server)
    {
        var now = clock.GetCurrentInstant();
        int restored = 0;
        foreach (var d in recovered.TakeAll())
        {
            if (calls.Find(d.CallKey) is null) continue; // ended meanwhile
            var left = d.AnsweredAt + d.MaxDuration - now;
            // Outlived its limit while no process watched (left 0): the proxy ends it at once, as a call whose end was not seen.
            if (await server.RestoreDialogAsync(d.Key, d.TargetIndex, d.State, d.AnsweredAt, (left < Duration.Zero ? Duration.Zero : left).ToTimeSpan()))
            {
                calls.DialogRestored(d.CallKey);
                restored++;
            }
        }
        if (restored > 0) loggers.CreateLogger<SipService>().LogInformation("Proxy took back {Count} answered dialogs of an earlier process", restored);
    }

    public async Task StopAsync(CancellationToken ct)
    {
        Running = null;
        if (_server is not null) await _server.StopAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}
