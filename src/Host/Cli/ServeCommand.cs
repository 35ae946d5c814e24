using System.ComponentModel;
using System.Net;
using Spectre.Console.Cli;

namespace CallControl.Host.Cli;

public sealed class ServeSettings : CommonSettings
{
    [CommandOption("--sip-address <IP>")]
    [Description("Address SIP listens on (default: $CALLCONTROL_SIP_ADDRESS, else 127.0.0.1)")]
    public string? SipAddress { get; init; }

    [CommandOption("--sip-port <PORT>")]
    [Description("UDP and TCP port for SIP (default: $CALLCONTROL_SIP_PORT, else 5060)")]
    public int? SipPort { get; init; }

    [CommandOption("--tls-port <PORT>")]
    [Description("Port for SIP over TLS (default: $CALLCONTROL_TLS_PORT, else 5061); TLS is off without --tls-cert")]
    public int? TlsPort { get; init; }

    [CommandOption("--tls-cert <FILE>")]
    [Description("PEM certificate (chain) for SIP over TLS (default: $CALLCONTROL_TLS_CERT); needs --tls-key")]
    public string? TlsCert { get; init; }

    [CommandOption("--tls-key <FILE>")]
    [Description("PEM private key of --tls-cert (default: $CALLCONTROL_TLS_KEY)")]
    public string? TlsKey { get; init; }

    [CommandOption("--http <URL>")]
    [Description("Where the HTTP API listens (default: $CALLCONTROL_HTTP, else http://127.0.0.1:8080)")]
    public string? Http { get; init; }

    [CommandOption("--max-call-duration <DURATION>")]
    [Description("Longest a call may last after it is answered, e.g. 4h, 90m, 3600s (default: 4h)")]
    public string? MaxCallDuration { get; init; }

    [CommandOption("--dialog-ping <SECONDS>")]
    [Description("Send an in-dialog OPTIONS to both parties of every answered call this often and end calls whose party is gone (default: 60; 0: off)")]
    public int? DialogPing { get; init; }

    [CommandOption("--dialog-ping-failures <N>")]
    [Description("Unanswered pings in a row (408 or no answer) that end a call; a 481 ends it at once (default: 2)")]
    public int? DialogPingFailures { get; init; }

    [CommandOption("--no-link-limits")]
    [Description("Do not refuse calls over the provisioned link limits (load benchmarks on the demo, whose globex-main takes 2 calls)")]
    public bool NoLinkLimits { get; init; }
    [CommandOption("--dns <SERVER>")]
    [Description("DNS server for ENUM, ip or ip:port (default: $CALLCONTROL_DNS, else the system resolver)")]
    public string? Dns { get; init; }

    [CommandOption("--card-pin-failures <N>")]
    [Description("Wrong calling-card PINs from one caller (PBX or gateway + From user) within --card-pin-window that lock it (default: 5; 0: off)")]
    public int? CardPinFailures { get; init; }

    [CommandOption("--card-trunk-pin-failures <N>")]
    [Description("Wrong calling-card PINs from one PBX or gateway, all callers together, that lock the whole trunk (default: 20; 0: off)")]
    public int? CardTrunkPinFailures { get; init; }

    [CommandOption("--card-pin-window <DURATION>")]
    [Description("Sliding window the wrong PINs are counted in, e.g. 10m (default: 10m)")]
    public string? CardPinWindow { get; init; }

    [CommandOption("--card-lock-time <DURATION>")]
    [Description("How long a locked source's card calls are refused, e.g. 30m (default: 30m)")]
    public string? CardLockTime { get; init; }

    [CommandOption("--demo")]
    [Description("Apply the built-in demo provisioning at start-up")]
    public bool Demo { get; init; }

    public override Spectre.Console.ValidationResult Validate()
    {
        var address = SipAddress ?? Environment.GetEnvironmentVariable("CALLCONTROL_SIP_ADDRESS");
        if (address is not null && !IPAddress.TryParse(address, out _))
            return Spectre.Console.ValidationResult.Error($"--sip-address: '{address}' is not an IP address");
        if (MaxCallDuration is not null && Limits.DurationText.Parse(MaxCallDuration) is null)
            return Spectre.Console.ValidationResult.Error($"--max-call-duration: '{MaxCallDuration}' is not a duration such as 4h, 90m or 3600s");
        if (Dns is not null && !IPEndPoint.TryParse(Dns, out _))
            return Spectre.Console.ValidationResult.Error($"--dns: '{Dns}' is not an IP address or ip:port");
        if (DialogPing is < 0 or > 3600)
            return Spectre.Console.ValidationResult.Error($"--dialog-ping: {DialogPing} is not 0 (off) to 3600 seconds");
        if (DialogPingFailures is < 1 or > 10)
            return Spectre.Console.ValidationResult.Error($"--dialog-ping-failures: {DialogPingFailures} is not 1 to 10");
        if (SipPort is < 1 or > 65535) return Spectre.Console.ValidationResult.Error($"--sip-port: {SipPort} is not a port");
        if (TlsPort is < 1 or > 65535) return Spectre.Console.ValidationResult.Error($"--tls-port: {TlsPort} is not a port");
        if (CardPinWindow is not null && Limits.DurationText.Parse(CardPinWindow) is null)
            return Spectre.Console.ValidationResult.Error($"--card-pin-window: '{CardPinWindow}' is not a duration such as 10m");
        if (CardLockTime is not null && Limits.DurationText.Parse(CardLockTime) is null)
            return Spectre.Console.ValidationResult.Error($"--card-lock-time: '{CardLockTime}' is not a duration such as 30m");
        var lockout = CardLockout();
        if (lockout.Caller.Problem() is { } caller) return Spectre.Console.ValidationResult.Error($"--card-pin-failures/--card-pin-window/--card-lock-time: {caller}");
        if (lockout.Trunk.Problem() is { } trunk) return Spectre.Console.ValidationResult.Error($"--card-trunk-pin-failures: {trunk}");
        var cert = TlsCert ?? Environment.GetEnvironmentVariable("CALLCONTROL_TLS_CERT");
        var key = TlsKey ?? Environment.GetEnvironmentVariable("CALLCONTROL_TLS_KEY");
        if (string.IsNullOrEmpty(cert) != string.IsNullOrEmpty(key))
            return Spectre.Console.ValidationResult.Error("--tls-cert and --tls-key must be given together");
        return base.Validate();
    }

    /// <summary>The wrong-PIN lockout from the options (defaults where not given).</summary>
    public CallControl.Billing.Cards.PinLockoutOptions CardLockout()
    {
        var d = CallControl.Billing.Cards.PinLockoutOptions.Default;
        var window = CardPinWindow is not null && Limits.DurationText.Parse(CardPinWindow) is { } w ? NodaTime.Duration.FromTimeSpan(w) : d.Caller.Window;
        var lockFor = CardLockTime is not null && Limits.DurationText.Parse(CardLockTime) is { } l ? NodaTime.Duration.FromTimeSpan(l) : d.Caller.LockFor;
        return new(new(CardPinFailures ?? d.Caller.MaxFailures, window, lockFor), new(CardTrunkPinFailures ?? d.Trunk.MaxFailures, window, lockFor));
    }
}

/// <summary><c>callcontrol serve</c>: runs the controller in the foreground until Ctrl-C.</summary>
public sealed class ServeCommand : AsyncCommand<ServeSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ServeSettings settings, CancellationToken cancellationToken)
    {
        var env = (string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
        var controller = settings.ToControllerSettings() with
        {
            SipAddress = IPAddress.Parse(settings.SipAddress ?? env("CALLCONTROL_SIP_ADDRESS") ?? "127.0.0.1"),
            SipPort = settings.SipPort ?? (int.TryParse(env("CALLCONTROL_SIP_PORT"), out var p) ? p : 5060),
            HttpUrl = settings.Http ?? env("CALLCONTROL_HTTP") ?? "http://127.0.0.1:8080",
            TlsPort = settings.TlsPort ?? (int.TryParse(env("CALLCONTROL_TLS_PORT"), out var tp) ? tp : 5061),
            TlsCertificatePath = settings.TlsCert ?? env("CALLCONTROL_TLS_CERT"),
            TlsKeyPath = settings.TlsKey ?? env("CALLCONTROL_TLS_KEY"),
            Demo = settings.Demo,
            EnforceLinkLimits = !settings.NoLinkLimits,
            MaxCallDuration = settings.MaxCallDuration is { } max ? Limits.DurationText.Parse(max)!.Value : TimeSpan.FromHours(4),
            Dns = settings.Dns ?? env("CALLCONTROL_DNS"),
            DialogPingInterval = settings.DialogPing switch
            {
                null => new ControllerSettings().DialogPingInterval,
                0 => null,
                var seconds => TimeSpan.FromSeconds(seconds.Value),
            },
            DialogPingFailures = settings.DialogPingFailures ?? new ControllerSettings().DialogPingFailures,
            CardPinLockout = settings.CardLockout(),
        };
        await using var app = ControllerHost.Build(controller);
        try
        {
            // Spectre.Console.Cli owns Ctrl-C and turns it into this token: hand it to the host.
            await Microsoft.Extensions.Hosting.HostingAbstractionsHostExtensions.RunAsync(app, cancellationToken);
        }
        catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
        {
            Console.Error.WriteLine($"serve: {ex.Message} (is another controller running? see --http / CALLCONTROL_HTTP)");
            return 1;
        }
        catch (System.Net.Sockets.SocketException ex) when (ex.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse)
        {
            Console.Error.WriteLine($"serve: SIP port {controller.SipAddress}:{controller.SipPort} is in use (another controller? see --sip-port)");
            return 1;
        }
        return 0;
    }
}
