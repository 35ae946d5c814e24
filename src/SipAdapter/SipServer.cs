using System.Net;
using CallControl.Sip.Proxy;
using CallControl.Sip.Transactions;
using CallControl.Sip.Transport;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace CallControl.Sip;

/// <summary>
/// The SIP proxy node: UDP (and TCP) listeners feeding a transaction-stateful, record-routing proxy core that asks
/// <see cref="IProxyPolicy"/> where each new INVITE goes and reports how each dialog ends.
/// </summary>
/// <example><code>
/// await using var server = new SipServer(new SipServerOptions { UdpPort = 5060, TcpPort = 5060 }, policy,
///     SystemClock.Instance, new SystemSipScheduler(), logger);
/// await server.StartAsync(ct);
/// </code></example>
public sealed class SipServer : IAsyncDisposable
{
    private readonly SipServerOptions _options;
    private readonly IProxyPolicy _policy;
    private readonly IClock _clock;
    private readonly ISipScheduler _scheduler;
    private readonly ILogger _logger;
    private readonly SipTransportHub _hub = new();
    private readonly CancellationTokenSource _stopping = new();
    private ProxyCore? _core;
    private int _state; // 0 new, 1 started, 2 stopped

    public SipServer(SipServerOptions options, IProxyPolicy policy, IClock clock, ISipScheduler scheduler, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _policy = policy ?? throw new ArgumentNullException(nameof(policy));
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
        _scheduler = scheduler ?? throw new ArgumentNullException(nameof(scheduler));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    public SipCounters Counters { get; } = new();

    /// <summary>The bound UDP endpoint (valid after <see cref="StartAsync"/>; the port is real even when 0 was configured).</summary>
    public SipEndpoint UdpEndpoint { get; private set; }

    /// <summary>The bound TCP endpoint, or null when TCP is disabled.</summary>
    public SipEndpoint? TcpEndpoint { get; private set; }

    /// <summary>The bound TLS endpoint, or null when TLS is disabled.</summary>
    public SipEndpoint? TlsEndpoint { get; private set; }

    /// <summary>Calls (Call-IDs) with live transaction or dialog state.</summary>
    public int ActiveCallCount => _core?.ActiveCallCount ?? 0;

    /// <summary>Call-ID aliases of topology-hidden callee legs still indexed (0 once every such call is over).</summary>
    public int CallIdAliasCount => _core?.CallIdAliasCount ?? 0;

    /// <summary>Open TCP connections (accepted and outgoing).</summary>
    public int TcpConnectionCount => _hub.Tcp?.ConnectionCount ?? 0;

    /// <summary>Open TLS connections (accepted and outgoing).</summary>
    public int TlsConnectionCount => _hub.Tls?.ConnectionCount ?? 0;

    /// <summary>Sends an OPTIONS to <paramref name="target"/> over its transport (UDP with retransmissions; TCP/TLS over
    /// the connection to that peer, opened when there is none) and waits at most <paramref name="timeout"/> for the final
    /// response. Never throws for network trouble: a refused connection, a TLS failure or silence is in the result.</summary>
    public Task<OptionsProbeResult> SendOptionsAsync(SipEndpoint target, TimeSpan timeout, CancellationToken ct = default) =>
        (_core ?? throw new InvalidOperationException("The SIP server is not started.")).ProbeAsync(target, timeout, ct);

    /// <summary>Takes back an answered dialog an earlier process recorded (<see cref="IProxyPolicy.OnAnsweredAsync"/>) so that
    /// it is carried on as if it had been set up here: its in-dialog requests are routed and translated (a topology-hidden
    /// callee leg's Call-ID alias is indexed again), it is pinged, and it ends through <see cref="IProxyPolicy.OnEndedAsync"/>
    /// (a party's BYE, a dead party, or <paramref name="maxDuration"/> from now: BYE to both; zero: its limit passed before
    /// it was restored, it is ended at once through <see cref="IProxyPolicy.OnRestoredDialogLostAsync"/>). False when the Call-ID
    /// already has state here. Call after <see cref="StartAsync"/>.</summary>
    public Task<bool> RestoreDialogAsync(DialogKey key, int targetIndex, DialogState state, Instant answeredAt, TimeSpan? maxDuration)
    {
        ArgumentNullException.ThrowIfNull(state);
        return (_core ?? throw new InvalidOperationException("The SIP server is not started.")).RestoreDialogAsync(key, targetIndex, state, answeredAt, maxDuration);
    }

    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("SipServer can be started once.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var core = new ProxyCore(_policy, _clock, _scheduler, _logger, _options, _hub, Counters, _stopping.Token);
        var udp = new UdpSipChannel(new IPEndPoint(_options.ListenAddress, _options.UdpPort), core, _logger);
        _hub.Udp = udp;
        core.UdpPort = udp.LocalEndPoint.Port;
        UdpEndpoint = new SipEndpoint(_options.ListenAddress, udp.LocalEndPoint.Port, SipTransport.Udp);
        if (_options.TcpPort is not null)
        {
            var tcp = new TcpSipChannel(new IPEndPoint(_options.ListenAddress, _options.TcpPort.Value), core, _options.ParserOptions,
                _options.TcpIdleTimeout, _options.T1 * 64, _options.MaxTcpConnections, _logger);
            _hub.Tcp = tcp;
            core.TcpPort = tcp.LocalEndPoint.Port;
            TcpEndpoint = new SipEndpoint(_options.ListenAddress, tcp.LocalEndPoint.Port, SipTransport.Tcp);
        }

        if (_options.TlsPort is not null)
        {
            var tls = new TcpSipChannel(new IPEndPoint(_options.ListenAddress, _options.TlsPort.Value), core, _options.ParserOptions,
                _options.TcpIdleTimeout, _options.T1 * 64, _options.MaxTcpConnections, _logger, _options.LoadTlsCertificate(),
                _options.TlsAcceptAnyServerCertificate);
            _hub.Tls = tls;
            core.TlsPort = tls.LocalEndPoint.Port;
            TlsEndpoint = new SipEndpoint(_options.ListenAddress, tls.LocalEndPoint.Port, SipTransport.Tls);
        }

        _core = core;
        udp.Start();
        _hub.Tcp?.Start();
        _hub.Tls?.Start();
        _logger.LogInformation("SIP server listening on {Udp}, {Tcp} and {Tls}", UdpEndpoint, TcpEndpoint?.ToString() ?? "no TCP",
            TlsEndpoint?.ToString() ?? "no TLS");
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _state, 2) != 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_hub.Udp is { } udp)
        {
            await udp.DisposeAsync().ConfigureAwait(false);
        }

        if (_hub.Tcp is { } tcp)
        {
            await tcp.DisposeAsync().ConfigureAwait(false);
        }

        if (_hub.Tls is { } tlsChannel)
        {
            await tlsChannel.DisposeAsync().ConfigureAwait(false);
        }

        _logger.LogInformation("SIP server stopped");
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }
}
