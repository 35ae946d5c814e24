using System.Net;
using System.Security.Cryptography.X509Certificates;
using CallControl.Sip.Message;

namespace CallControl.Sip;

/// <summary>Validated settings of <see cref="SipServer"/>. Ports 0 bind ephemeral ports (tests); the bound ports
/// are then visible on <see cref="SipServer.UdpEndpoint"/> / <see cref="SipServer.TcpEndpoint"/>.</summary>
public sealed record SipServerOptions
{
    /// <summary>Address to listen on; it is also written into Via and Record-Route, so it must be concrete.</summary>
    public IPAddress ListenAddress { get; init; } = IPAddress.Loopback;

    public int UdpPort { get; init; } = 5060;

    /// <summary>TCP listener port; null disables TCP.</summary>
    public int? TcpPort { get; init; } = 5060;

    /// <summary>TLS listener port; null (the default) disables TLS. Needs a certificate: <see cref="TlsCertificate"/>,
    /// or <see cref="TlsCertificatePath"/> + <see cref="TlsKeyPath"/> (PEM files).</summary>
    public int? TlsPort { get; init; }

    /// <summary>PEM file with the TLS certificate (chain); read at start-up with <see cref="TlsKeyPath"/>.</summary>
    public string? TlsCertificatePath { get; init; }

    /// <summary>PEM file with the certificate's private key (unencrypted PKCS#8, PKCS#1 or SEC1).</summary>
    public string? TlsKeyPath { get; init; }

    /// <summary>A certificate with private key given directly (tests, hosts that load it themselves); wins over the paths.</summary>
    public X509Certificate2? TlsCertificate { get; init; }

    /// <summary>When this proxy connects out over TLS: accept any server certificate (self-signed peers, tests).
    /// Default false: the peer's certificate must validate against the system trust store and its IP.</summary>
    public bool TlsAcceptAnyServerCertificate { get; init; }

    /// <summary>RTT estimate (RFC 3261 Table 4).</summary>
    public TimeSpan T1 { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Maximum retransmit interval for non-INVITE requests and INVITE responses.</summary>
    public TimeSpan T2 { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>Maximum time a message stays in the network.</summary>
    public TimeSpan T4 { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Proxy INVITE transaction timeout after a provisional (RFC 3261 §16.6 item 11, > 3 min).</summary>
    public TimeSpan TimerC { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>An answered dialog without BYE is ended by the proxy (BYE to both sides, OnEndedAsync with
    /// <c>DialogParty.Proxy</c>) after this long; null: never. Protects limits and credit from vanished parties.</summary>
    public TimeSpan? MaxDialogDuration { get; init; } = TimeSpan.FromHours(12);

    /// <summary>Dialog keep-alive: every answered dialog gets an in-dialog OPTIONS to each party this often, and a
    /// party that answers 481, or 408 / nothing / a transport error <see cref="DialogPingFailureLimit"/> times in a
    /// row, ends the dialog (BYE to both sides, OnEndedAsync with <c>DialogParty.Proxy</c>). Null (the default): no pings.</summary>
    public TimeSpan? DialogPingInterval { get; init; }

    /// <summary>Consecutive failed pings of one party (408, no answer within Timer F, transport error) that end the
    /// dialog; a 481 ends it at once. 1..10.</summary>
    public int DialogPingFailureLimit { get; init; } = 2;

    /// <summary>TCP connections without traffic for this long are closed.</summary>
    public TimeSpan TcpIdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public int MaxMessageSize { get; init; } = 65_535;

    public int MaxHeaderCount { get; init; } = 100;

    public int MaxLineLength { get; init; } = 4_096;

    /// <summary>Most simultaneous TCP connections (accepted plus outgoing).</summary>
    public int MaxTcpConnections { get; init; } = 10_000;

    /// <summary>The TLS server certificate: the given one, or loaded from the PEM files (throws naming the setting).</summary>
    internal X509Certificate2 LoadTlsCertificate()
    {
        if (TlsCertificate is not null)
        {
            return TlsCertificate;
        }

        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(TlsCertificatePath!, TlsKeyPath);
            // SslStream on Linux needs the key in a form it can export to OpenSSL: re-import as PKCS#12.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or IOException)
        {
            throw new ArgumentException($"SipServerOptions.TlsCertificatePath/TlsKeyPath: cannot load '{TlsCertificatePath}' with '{TlsKeyPath}': {ex.Message}",
                nameof(TlsCertificatePath), ex);
        }
    }

    internal SipParserOptions ParserOptions => new() { MaxMessageSize = MaxMessageSize, MaxHeaderCount = MaxHeaderCount, MaxLineLength = MaxLineLength };

    /// <summary>Throws <see cref="ArgumentException"/> whose message and ParamName name the bad setting.</summary>
    public void Validate()
    {
        if (ListenAddress is null || ListenAddress.Equals(IPAddress.Any) || ListenAddress.Equals(IPAddress.IPv6Any) || ListenAddress.Equals(IPAddress.None))
        {
            throw new ArgumentException("SipServerOptions.ListenAddress must be a concrete address (it is written into Via and Record-Route).", nameof(ListenAddress));
        }

        CheckPort(UdpPort, nameof(UdpPort));
        if (TcpPort is { } tcp)
        {
            CheckPort(tcp, nameof(TcpPort));
        }

        if (TlsPort is { } tls)
        {
            CheckPort(tls, nameof(TlsPort));
            if (TlsCertificate is null && (string.IsNullOrEmpty(TlsCertificatePath) || string.IsNullOrEmpty(TlsKeyPath)))
            {
                throw new ArgumentException("SipServerOptions.TlsPort needs TlsCertificatePath and TlsKeyPath (PEM files) or TlsCertificate.", nameof(TlsPort));
            }

            if (TlsCertificate is { HasPrivateKey: false })
            {
                throw new ArgumentException("SipServerOptions.TlsCertificate has no private key.", nameof(TlsCertificate));
            }

            foreach (var (path, name) in new[] { (TlsCertificatePath, nameof(TlsCertificatePath)), (TlsKeyPath, nameof(TlsKeyPath)) })
            {
                if (TlsCertificate is null && !File.Exists(path))
                {
                    throw new ArgumentException($"SipServerOptions.{name}: file '{path}' does not exist.", name);
                }
            }
        }

        CheckPositive(T1, nameof(T1));
        CheckPositive(T2, nameof(T2));
        CheckPositive(T4, nameof(T4));
        CheckPositive(TimerC, nameof(TimerC));
        CheckPositive(TcpIdleTimeout, nameof(TcpIdleTimeout));
        if (MaxDialogDuration is { } maxDialog)
        {
            CheckPositive(maxDialog, nameof(MaxDialogDuration));
        }

        if (DialogPingInterval is { } ping && (ping < TimeSpan.FromMilliseconds(100) || ping > TimeSpan.FromHours(1)))
        {
            throw new ArgumentException($"SipServerOptions.DialogPingInterval must be between 100 ms and 1 hour (null: off), was {ping}.", nameof(DialogPingInterval));
        }

        if (DialogPingFailureLimit is < 1 or > 10)
        {
            throw new ArgumentException($"SipServerOptions.DialogPingFailureLimit must be 1..10, was {DialogPingFailureLimit}.", nameof(DialogPingFailureLimit));
        }

        if (T2 < T1)
        {
            throw new ArgumentException($"SipServerOptions.T2 ({T2}) must not be shorter than T1 ({T1}).", nameof(T2));
        }

        if (MaxTcpConnections < 1)
        {
            throw new ArgumentException($"SipServerOptions.MaxTcpConnections must be positive, was {MaxTcpConnections}.", nameof(MaxTcpConnections));
        }

        try
        {
            ParserOptions.Validate();
        }
        catch (ArgumentException ex)
        {
            var detail = ex.Message.Replace($" (Parameter '{ex.ParamName}')", "", StringComparison.Ordinal);
            throw new ArgumentException($"SipServerOptions.{detail}", ex.ParamName, ex);
        }
    }

    private static void CheckPort(int port, string name)
    {
        if (port is < 0 or > 65535)
        {
            throw new ArgumentException($"SipServerOptions.{name} must be 0..65535, was {port}.", name);
        }
    }

    private static void CheckPositive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentException($"SipServerOptions.{name} must be positive, was {value}.", name);
        }
    }
}
