using NodaTime;

namespace CallControl.Routing;

public enum ProbeSubjectKind { Gateway, Pbx }

/// <summary>Probe bookkeeping for one gateway or PBX. Counts live in memory; only crossings become events.
/// After a restart, rebuild <see cref="IsUp"/> by folding the subject's health events with <see cref="Apply"/>.</summary>
public sealed record ProbeTrackerState(ProbeSubjectKind Kind, string SubjectId, bool IsUp, int ConsecutiveFailures, int ConsecutiveSuccesses)
{
    /// <summary>Everything starts up: a gateway is trusted until probes say otherwise.</summary>
    public static ProbeTrackerState Initial(ProbeSubjectKind kind, string id) => new(kind, id, true, 0, 0);

    public ProbeTrackerState Apply(IHealthEvent e) => e switch
    {
        GatewayMarkedDown x when Kind == ProbeSubjectKind.Gateway && x.GatewayId == SubjectId => this with { IsUp = false, ConsecutiveSuccesses = 0 },
        GatewayMarkedUp x when Kind == ProbeSubjectKind.Gateway && x.GatewayId == SubjectId => this with { IsUp = true, ConsecutiveFailures = 0 },
        PbxMarkedUnreachable x when Kind == ProbeSubjectKind.Pbx && x.PbxId == SubjectId => this with { IsUp = false, ConsecutiveSuccesses = 0 },
        PbxMarkedReachable x when Kind == ProbeSubjectKind.Pbx && x.PbxId == SubjectId => this with { IsUp = true, ConsecutiveFailures = 0 },
        _ => this,
    };
}

public sealed record ProbeThresholds(int FailuresToMarkDown, int SuccessesToMarkUp)
{
    public static ProbeThresholds From(Provisioning.GatewayOptions options) => new(options.ProbeFailureThreshold, options.ProbeRecoveryThreshold);
}

/// <summary>The tracker's next state and the events to append (none unless a threshold was crossed).</summary>
public sealed record ProbeStep(ProbeTrackerState State, IReadOnlyList<IHealthEvent> Events);

/// <summary>
/// Pure decider for OPTIONS probing (the Host sends the probes on each gateway's interval):
/// (state, probe result, now) -> events when the subject crosses its failure threshold going down or its
/// recovery threshold coming back. Each event records the probe that tipped it (DESIGN.md rule 5).
/// </summary>
public static class GatewayProbeTracker
{
    public static ProbeStep Next(ProbeTrackerState state, ProbeResult probe, ProbeThresholds thresholds, Instant now)
    {
        if (probe.Success)
        {
            var successes = state.ConsecutiveSuccesses + 1;
            if (!state.IsUp && successes >= thresholds.SuccessesToMarkUp)
            {
                var reason = $"{successes} consecutive successful probe(s)";
                IHealthEvent up = state.Kind == ProbeSubjectKind.Gateway
                    ? new GatewayMarkedUp(state.SubjectId, reason, probe, now)
                    : new PbxMarkedReachable(state.SubjectId, reason, probe, now);
                return new ProbeStep(state with { IsUp = true, ConsecutiveFailures = 0, ConsecutiveSuccesses = successes }, [up]);
            }
            return new ProbeStep(state with { ConsecutiveFailures = 0, ConsecutiveSuccesses = successes }, []);
        }

        var failures = state.ConsecutiveFailures + 1;
        if (state.IsUp && failures >= thresholds.FailuresToMarkDown)
        {
            var reason = $"{failures} consecutive failed probe(s)";
            IHealthEvent down = state.Kind == ProbeSubjectKind.Gateway
                ? new GatewayMarkedDown(state.SubjectId, reason, probe, now)
                : new PbxMarkedUnreachable(state.SubjectId, reason, probe, now);
            return new ProbeStep(state with { IsUp = false, ConsecutiveFailures = failures, ConsecutiveSuccesses = 0 }, [down]);
        }
        return new ProbeStep(state with { ConsecutiveFailures = failures, ConsecutiveSuccesses = 0 }, []);
    }
}
