using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CallControl.Provisioning;
using CallControl.Routing;
using CallControl.Sip.Message;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace CallControl.Host.Routing;

/// <summary>
/// Probes every provisioned UDP gateway with SIP OPTIONS at its provisioned interval, from an ephemeral
/// UDP socket of its own on the controller's SIP address (the SIP stack is not involved). Each result
/// goes through <see cref="GatewayProbeTracker"/>; a threshold crossing is recorded as
/// <see cref="GatewayMarkedDown"/>/<see cref="GatewayMarkedUp"/> (with the probe that tipped it) and
/// takes effect in routing at once. The first probe of a gateway goes out one interval after it is seen.
/// A 2xx answer, or any 4xx but 408 (the gateway's SIP stack is alive, it just refuses OPTIONS), is a success.
/// TCP/TLS gateways are not probed.
/// </summary>
public sealed class GatewayProber(LiveRoutingTable routing, NetworkHealthService health, ControllerSettings settings, IClock clock,
    ILogger<GatewayProber> logger) : BackgroundService
{
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Retransmit = TimeSpan.FromMilliseconds(500);

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
        var now = clock.GetCurrentInstant();
        var state = routing.Current.State;
        var wanted = new HashSet<string>();
        foreach (var gw in state.Gateways.Values)
        {
            if (gw.Transport != "udp" || !IPAddress.TryParse(gw.Address, out var address))
            {
                if (_notProbed.Add(gw.Id)) logger.LogInformation("Gateway {Gateway} ({Transport}) is not probed: only UDP gateways are", gw.Id, gw.Transport);
                continue;
            }
            wanted.Add(GatewayKey(gw.Id));
            Consider(ProbeSubjectKind.Gateway, gw.Id, new IPEndPoint(address, gw.Port),
                Duration.FromSeconds(gw.Options.ProbeIntervalSeconds), ProbeThresholds.From(gw.Options),
                !health.Current.DownGateways.ContainsKey(gw.Id), now, ct);
        }
        // PBXs are probed only when their provisioning asks for it (a plain SIP UA may not answer OPTIONS).
        foreach (var pbx in state.Pbxs.Values)
        {
            if (pbx.Routing.Probe is not { } probe || pbx.Transport != "udp" || pbx.Addresses.Count == 0
                || !IPAddress.TryParse(pbx.Addresses[0], out var address)) continue;
            wanted.Add(PbxKey(pbx.Id));
            Consider(ProbeSubjectKind.Pbx, pbx.Id, new IPEndPoint(address, pbx.Port), Duration.FromSeconds(probe.IntervalSeconds),
                new ProbeThresholds(probe.FailureThreshold, probe.RecoveryThreshold), !health.Current.UnreachablePbxs.ContainsKey(pbx.Id), now, ct);
        }
        foreach (var key in _subjects.Keys)
            if (!wanted.Contains(key)) _subjects.TryRemove(key, out _);
    }

    private static string GatewayKey(string id) => $"gateway:{id}";
    private static string PbxKey(string id) => $"pbx:{id}";

    private void Consider(ProbeSubjectKind kind, string id, IPEndPoint target, Duration interval, ProbeThresholds thresholds, bool isUp,
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

    private async Task ProbeAsync(ProbeSubjectKind kind, string id, IPEndPoint target, ProbeThresholds thresholds, Subject subject, CancellationToken ct)
    {
        try
        {
            var result = await SendOptionsAsync(settings.SipAddress, target, settings.ProbeTimeout, ct);
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

    public static async Task<ProbeResult> SendOptionsAsync(IPAddress localAddress, IPEndPoint target, TimeSpan timeout, CancellationToken ct)
    {
        using var socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(localAddress, 0));
        var local = (IPEndPoint)socket.LocalEndPoint!;
        var callId = $"{Guid.NewGuid():N}@probe";
        var request = SipMessageBuilder.Request("OPTIONS", $"sip:{Host(target.Address)}:{target.Port}")
            .Add(SipHeaderId.Via, $"SIP/2.0/UDP {Host(local.Address)}:{local.Port};branch=z9hG4bK{Guid.NewGuid():N};rport")
            .Add(SipHeaderId.MaxForwards, "70")
            .Add(SipHeaderId.From, $"<sip:callcontrol@{Host(local.Address)}:{local.Port}>;tag={Guid.NewGuid().ToString("N")[..10]}")
            .Add(SipHeaderId.To, $"<sip:{Host(target.Address)}:{target.Port}>")
            .Add(SipHeaderId.CallId, callId)
            .Add(SipHeaderId.CSeq, "1 OPTIONS")
            .Add(SipHeaderId.Accept, "application/sdp")
            .ToArray();

        var clock = Stopwatch.StartNew();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        var buffer = new byte[65_535];
        try
        {
            await socket.SendToAsync(request, SocketFlags.None, target, ct);
            var nextSend = Retransmit;
            while (true)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
                var untilRetransmit = nextSend - clock.Elapsed;
                wait.CancelAfter(untilRetransmit > TimeSpan.Zero ? untilRetransmit : TimeSpan.FromMilliseconds(1));
                try
                {
                    var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), wait.Token);
                    var copy = buffer.AsMemory(0, received.ReceivedBytes).ToArray();
                    if (SipParser.Parse(copy, false, SipParserOptions.Default, out var message).Status != SipFrameStatus.Complete || message is null) continue;
                    if (message.IsRequest || message.CallId != callId || message.StatusCode < 200) continue;
                    var rtt = Duration.FromTimeSpan(clock.Elapsed);
                    var ok = message.StatusCode is >= 200 and < 300 || (message.StatusCode is >= 400 and < 500 && message.StatusCode != 408);
                    return new ProbeResult(ok, message.StatusCode, message.ReasonPhrase, rtt);
                }
                catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
                {
                    await socket.SendToAsync(request, SocketFlags.None, target, ct);
                    nextSend += Retransmit;
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new ProbeResult(false, null, $"no answer to OPTIONS in {timeout.TotalMilliseconds:0} ms");
        }
        catch (SocketException ex)
        {
            return new ProbeResult(false, null, $"OPTIONS to {target} failed: {ex.SocketErrorCode}", Duration.FromTimeSpan(clock.Elapsed));
        }
    }

    private static string Host(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
}
