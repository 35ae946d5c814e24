using NodaTime;

namespace CallControl.Routing;

/// <summary>What one OPTIONS probe saw: success, the SIP status (null on timeout), a short detail, round trip.</summary>
public sealed record ProbeResult(bool Success, int? StatusCode, string Detail, Duration? RoundTrip = null)
{
    public override string ToString() =>
        (StatusCode is { } code ? $"{code} " : "") + Detail + (RoundTrip is { } rtt ? $" in {rtt.TotalMilliseconds:0} ms" : "");
}

/// <summary>
/// Reachability events from probing (not provisioning: they are not in <see cref="Provisioning.ProvisioningState"/>).
/// Folded into <see cref="NetworkHealth"/>, which the router takes as an input.
/// </summary>
public interface IHealthEvent
{
    Instant At { get; }
}

/// <summary>The gateway crossed its probe failure threshold; <paramref name="Probe"/> is the probe that tipped it.</summary>
public sealed record GatewayMarkedDown(string GatewayId, string Reason, ProbeResult Probe, Instant At) : IHealthEvent;
public sealed record GatewayMarkedUp(string GatewayId, string Reason, ProbeResult Probe, Instant At) : IHealthEvent;
/// <summary>The PBX stopped answering probes: its calls go to its voicemail fallback, if it has one.</summary>
public sealed record PbxMarkedUnreachable(string PbxId, string Reason, ProbeResult Probe, Instant At) : IHealthEvent;
public sealed record PbxMarkedReachable(string PbxId, string Reason, ProbeResult Probe, Instant At) : IHealthEvent;

public static class HealthStreams
{
    public static string Gateway(string id) => $"gateway-health:{id}";
    public static string Pbx(string id) => $"pbx-health:{id}";
}
