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
    public string HttpUrl { get; init; } = "http://127.0.0.1:8080";
    /// <summary>Apply the built-in demo provisioning document at start-up.</summary>
    public bool Demo { get; init; }
    /// <summary>Longest a call may last after it is answered (<c>--max-call-duration</c>): the proxy ends silently dead dialogs.</summary>
    public TimeSpan MaxCallDuration { get; init; } = TimeSpan.FromHours(4);

    /// <summary>Stops start-up with a message naming the setting when something is off.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString)) throw new ArgumentException("The event store connection string (--db / CALLCONTROL_DB) is empty");
        if (Schema != Schema.ToLowerInvariant() || Schema.Length == 0) throw new ArgumentException($"--schema must be a lower-case name, got '{Schema}'");
        if (SipPort is < 0 or > 65535) throw new ArgumentException($"--sip-port must be 0-65535, got {SipPort}");
        if (SipTcpPort is < 0 or > 65535) throw new ArgumentException($"--sip-tcp-port must be 0-65535, got {SipTcpPort}");
        if (MaxCallDuration <= TimeSpan.Zero || MaxCallDuration > TimeSpan.FromDays(7))
            throw new ArgumentException($"--max-call-duration must be above 0 and at most 7 days, got {MaxCallDuration}");
        if (!Uri.TryCreate(HttpUrl, UriKind.Absolute, out _)) throw new ArgumentException($"--http must be an absolute URL, got '{HttpUrl}'");
    }
}
