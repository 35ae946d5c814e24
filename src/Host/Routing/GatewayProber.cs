using System.Collections.Concurrent;
using System.Net;
using CallControl.Host.Sip;
using CallControl.Provisioning;
using CallControl.Routing;
using CallControl.Sip.Proxy;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace CallControl.Host.Routing;

/// <summary>
/// Probes every provisioned gateway (and every PBX that opted in) with SIP OPTIONS at its provisioned interval, over
/// its provisioned transport through the SIP stack's transports: UDP from the SIP port with retransmissions, TCP and
/// TLS over the connection to that peer (reused; opened when there is none). A refused connection, a failed TLS
/// handshake or no answer in <see cref="ControllerSettings.ProbeTimeout"/> is a failed probe with that reason. Each result
/// goes through <see cref="GatewayProbeTracker"/>; a threshold crossing is recorded as
/// <see cref="GatewayMarkedDown"/>/<see cref="GatewayMarkedUp"/> (with the probe that tipped it) and
/// takes effect in routing at once. The first probe of a gateway goes out one interval after it is seen.
/// A 2xx answer, or any 4xx but 408 (the gateway's SIP stack is alive, it just refuses OPTIONS), is a success.
/// </summary>
public sealed class GatewayProber(LiveRoutingTable routing, NetworkHealthService health, SipService sip, ControllerSettings settings, IClock clock,
    ILogger<GatewayProber> logger) : BackgroundService
{
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(200);

    private sealed class Subject(ProbeTrackerState state, Instant due)
    {
        public ProbeTrackerState State = state;
        public Instant Due = due;
        public bool InFlight;
    }

    private readonly ConcurrentDictionary<string, Subject> _subjects = new();
    private readonly HashSet<string> _notProbed = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) Schedule(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    private void Schedule(CancellationToken ct)
    {
        if (sip.Running is null) return; // probes go out through the SIP stack once it listens
        var now = clock.GetCurrentInstant();
        var state = routing.Current.State;
        var wanted = new HashSet<string>();
        foreach (var gw in state.Gateways.Values)
        {
            if (!TryTarget(gw.Address, gw.Port, gw.Transport, out var target))
            {
                if (_notProbed.Add(gw.Id)) logger.LogInformation("Gateway {Gateway} ({Address}, {Transport}) is not probed: not an IP address or unknown transport",
                    gw.Id, gw.Address, gw.Transport);
                continue;
            }
            wanted.Add(GatewayKey(gw.Id));
            Consider(ProbeSubjectKind.Gateway, gw.Id, target, Duration.FromSeconds(gw.Options.ProbeIntervalSeconds), ProbeThresholds.From(gw.Options),
                !health.Current.DownGateways.ContainsKey(gw.Id), now, ct);
        }
        // PBXs are probed only when their provisioning asks for it (a plain SIP UA may not answer OPTIONS).
        foreach (var pbx in state.Pbxs.Values)
        {
            if (pbx.Routing.Probe is not { } probe || pbx.Addresses.Count == 0 || !TryTarget(pbx.Addresses[0], pbx.Port, pbx.Transport, out var target)) continue;
            wanted.Add(PbxKey(pbx.Id));
            Consider(ProbeSubjectKind.Pbx, pbx.Id, target, Duration.FromSeconds(probe.IntervalSeconds),
                new ProbeThresholds(probe.FailureThreshold, probe.RecoveryThreshold), !health.Current.UnreachablePbxs.ContainsKey(pbx.Id), now, ct);
        }
        foreach (var key in _subjects.Keys)
            if (!wanted.Contains(key)) _subjects.TryRemove(key, out _);
    }

    private static bool TryTarget(string address, int port, string transport, out SipEndpoint target)
    {
        target = default;
        if (!IPAddress.TryParse(address, out var ip)) return false;
        SipTransport? parsed = transport.ToLowerInvariant() switch
        {
            "udp" => SipTransport.Udp,
            "tcp" => SipTransport.Tcp,
            "tls" => SipTransport.Tls,
            _ => null,
        };
        if (parsed is not { } t) return false;
        target = new SipEndpoint(ip, port, t);
        return true;
    }

    private static string GatewayKey(string id) => $"gateway:{id}";
    private static string PbxKey(string id) => $"pbx:{id}";

    private void Consider(ProbeSubjectKind kind, string id, SipEndpoint target, Duration interval, ProbeThresholds thresholds, bool isUp,
        Instant now, CancellationToken ct)
    {
        // After a restart a subject starts as the health events left it.
        var subject = _subjects.GetOrAdd(kind == ProbeSubjectKind.Gateway ? GatewayKey(id) : PbxKey(id),
            _ => new Subject(ProbeTrackerState.Initial(kind, id) with { IsUp = isUp }, now + interval));
        lock (subject)
        {
            if (subject.InFlight || now < subject.Due) return;
            subject.InFlight = true;
            subject.Due = now + interval;
        }
        _ = ProbeAsync(kind, id, target, thresholds, subject, ct);
    }

    private async Task ProbeAsync(ProbeSubjectKind kind, string id, SipEndpoint target, ProbeThresholds thresholds, Subject subject, CancellationToken ct)
    {
        try
        {
            if (sip.Running is not { } server) return;
            var result = ToProbeResult(await server.SendOptionsAsync(target, settings.ProbeTimeout, ct));
            ProbeStep step;
            lock (subject)
            {
                step = GatewayProbeTracker.Next(subject.State, result, thresholds, clock.GetCurrentInstant());
                subject.State = step.State;
            }
            foreach (var e in step.Events)
            {
                logger.LogWarning("{Kind} {Id}: {Event} ({Probe})", kind, id, e.GetType().Name, result);
                await health.RecordAsync(e, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // stopping
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Probe of {Kind} {Id} failed unexpectedly", kind, id);
        }
        finally
        {
            lock (subject) subject.InFlight = false;
        }
    }

    /// <summary>A 2xx, or any 4xx but 408 (the peer's SIP stack answered, it just refuses OPTIONS), is a success.</summary>
    public static ProbeResult ToProbeResult(OptionsProbeResult answer)
    {
        var rtt = Duration.FromTimeSpan(answer.RoundTrip);
        if (answer.StatusCode is not { } code) return new ProbeResult(false, null, answer.Detail, rtt);
        var ok = code is >= 200 and < 300 || (code is >= 400 and < 500 && code != 408);
        return new ProbeResult(ok, code, answer.Detail, rtt);
    }
}
