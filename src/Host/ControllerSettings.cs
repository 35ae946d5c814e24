using System.Net;

namespace CallControl.Host;

/// <summary>Settings of a running controller. Defaults match the README; every one can be set by a
/// command-line option or an environment variable.</summary>
public sealed record ControllerSettings
{
    public const string DefaultConnectionString =
        "Host=127.0.0.1;Port=55432;Database=callcontrol;Username=callcontrol;Password=callcontrol;Timezone=UTC";

    public string ConnectionString { get; init; } = Environment.GetEnvironmentVariable("CALLCONTROL_DB") is { Length: > 0 } db ? db : DefaultConnectionString;
    public string Schema { get; init; } = Environment.GetEnvironmentVariable("CALLCONTROL_SCHEMA") is { Length: > 0 } s ? s : "callcontrol";
    public IPAddress SipAddress { get; init; } = IPAddress.Loopback;
    public int SipPort { get; init; } = 5060;
    public int? SipTcpPort { get; init; }
    /// <summary>SIP over TLS port (--tls-port / CALLCONTROL_TLS_PORT, default 5061). TLS is on only when a
    /// certificate is given (--tls-cert and --tls-key, PEM files).</summary>
    public int TlsPort { get; init; } = 5061;
    public string? TlsCertificatePath { get; init; }
    public string? TlsKeyPath { get; init; }
    /// <summary>SIP Timer C: how long a ringing target may go without a final answer before it is cancelled
    /// (the caller then gets 408). Null: the RFC default of 3 minutes. Tests shorten it.</summary>
    public TimeSpan? SipTimerC { get; init; }
    /// <summary>SIP T1 (RTT estimate; Timers B/F are 64*T1). Null: the RFC default of 500 ms. Tests shorten it so a
    /// silent party is detected in seconds.</summary>
    public TimeSpan? SipT1 { get; init; }
    /// <summary>Dialog keep-alive (<c>--dialog-ping SECONDS</c>): every answered call gets an in-dialog OPTIONS to each
    /// party this often; a party that does not know the dialog (481) or stops answering ends the call. Null: off.</summary>
    public TimeSpan? DialogPingInterval { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Unanswered pings (408, no answer, transport error) in a row that end a call (<c>--dialog-ping-failures</c>); 481 ends it at once.</summary>
    public int DialogPingFailures { get; init; } = 2;
    public bool TlsEnabled => !string.IsNullOrEmpty(TlsCertificatePath);
    public string HttpUrl { get; init; } = "http://127.0.0.1:8080";
    /// <summary>Apply the built-in demo provisioning document at start-up.</summary>
    public bool Demo { get; init; }
    /// <summary>Longest a call may last after it is answered (<c>--max-call-duration</c>): the proxy ends silently dead dialogs.</summary>
    public TimeSpan MaxCallDuration { get; init; } = TimeSpan.FromHours(4);
    /// <summary>Refuse calls over a link's provisioned limits (<c>--no-link-limits</c> turns it off: for load
    /// benchmarks on the demo, whose globex-main takes 2 calls).</summary>
    public bool EnforceLinkLimits { get; init; } = true;
    /// <summary>Wrong calling-card PINs that lock a caller (trunk + From user) and a whole trunk (<c>--card-pin-failures</c>,
    /// <c>--card-trunk-pin-failures</c>, <c>--card-pin-window</c>, <c>--card-lock-time</c>).</summary>
    public CallControl.Billing.Cards.PinLockoutOptions CardPinLockout { get; init; } = CallControl.Billing.Cards.PinLockoutOptions.Default;
    /// <summary>DNS server for ENUM lookups, <c>ip</c> or <c>ip:port</c> (<c>--dns</c> / <c>CALLCONTROL_DNS</c>); null: the system resolver.</summary>
    public string? Dns { get; init; } = Environment.GetEnvironmentVariable("CALLCONTROL_DNS") is { Length: > 0 } dns ? dns : null;
    /// <summary>How long a gateway probe (OPTIONS) waits for an answer before it counts as failed (<c>CALLCONTROL_PROBE_TIMEOUT_MS</c>).</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromMilliseconds(
        int.TryParse(Environment.GetEnvironmentVariable("CALLCONTROL_PROBE_TIMEOUT_MS"), out var ms) ? ms : 2000);

    /// <summary>The parsed <see cref="Dns"/> (port 53 unless given); null for the system resolver.</summary>
    public IPEndPoint? DnsServer => Dns is null ? null
        : IPEndPoint.TryParse(Dns, out var ep) ? (ep.Port == 0 ? new IPEndPoint(ep.Address, 53) : ep)
        : throw new ArgumentException($"--dns must be an IP address or ip:port, got '{Dns}'");

    /// <summary>Stops start-up with a message naming the setting when something is off.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString)) throw new ArgumentException("The event store connection string (--db / CALLCONTROL_DB) is empty");
        if (Schema != Schema.ToLowerInvariant() || Schema.Length == 0) throw new ArgumentException($"--schema must be a lower-case name, got '{Schema}'");
        if (SipPort is < 0 or > 65535) throw new ArgumentException($"--sip-port must be 0-65535, got {SipPort}");
        if (SipTcpPort is < 0 or > 65535) throw new ArgumentException($"--sip-tcp-port must be 0-65535, got {SipTcpPort}");
        if (MaxCallDuration <= TimeSpan.Zero || MaxCallDuration > TimeSpan.FromDays(7))
            throw new ArgumentException($"--max-call-duration must be above 0 and at most 7 days, got {MaxCallDuration}");
        _ = DnsServer;
        if (ProbeTimeout <= TimeSpan.Zero || ProbeTimeout > TimeSpan.FromMinutes(1)) throw new ArgumentException($"The probe timeout must be above 0 and at most a minute, got {ProbeTimeout}");
        if (TlsPort is < 0 or > 65535) throw new ArgumentException($"--tls-port must be 0-65535, got {TlsPort}");
        if (string.IsNullOrEmpty(TlsCertificatePath) != string.IsNullOrEmpty(TlsKeyPath))
            throw new ArgumentException("--tls-cert and --tls-key (CALLCONTROL_TLS_CERT / CALLCONTROL_TLS_KEY) must be given together");
        if (TlsEnabled && !File.Exists(TlsCertificatePath)) throw new ArgumentException($"--tls-cert: file '{TlsCertificatePath}' does not exist");
        if (TlsEnabled && !File.Exists(TlsKeyPath)) throw new ArgumentException($"--tls-key: file '{TlsKeyPath}' does not exist");
        if (SipTimerC is { } timerC && timerC <= TimeSpan.Zero) throw new ArgumentException($"SipTimerC must be positive, got {timerC}");
        if (SipT1 is { } t1 && (t1 <= TimeSpan.Zero || t1 > TimeSpan.FromSeconds(4))) throw new ArgumentException($"SipT1 must be above 0 and at most 4 s, got {t1}");
        if (DialogPingInterval is { } ping && (ping < TimeSpan.FromSeconds(1) || ping > TimeSpan.FromHours(1)))
            throw new ArgumentException($"--dialog-ping must be 1 to 3600 seconds (0 turns it off), got {ping.TotalSeconds} s");
        if (DialogPingFailures is < 1 or > 10) throw new ArgumentException($"--dialog-ping-failures must be 1 to 10, got {DialogPingFailures}");
        if (CardPinLockout.Caller.Problem() is { } caller) throw new ArgumentException($"--card-pin-failures/--card-pin-window/--card-lock-time: {caller}");
        if (CardPinLockout.Trunk.Problem() is { } trunk) throw new ArgumentException($"--card-trunk-pin-failures/--card-pin-window/--card-lock-time: {trunk}");
        if (!Uri.TryCreate(HttpUrl, UriKind.Absolute, out _)) throw new ArgumentException($"--http must be an absolute URL, got '{HttpUrl}'");
    }
}
