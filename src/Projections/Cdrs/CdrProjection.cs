using CallControl.Calls;
using Marten.Events.Aggregation;

namespace CallControl.Projections.Cdrs;

/// <summary>Folds a call stream into its CDR. Everything it needs is on the events.</summary>
public sealed class CdrProjection : SingleStreamProjection<Cdr, string>
{
    public static Cdr Create(CallReceived e) => new()
    {
        Id = e.CallKey,
        CallId = e.CallId,
        Caller = e.Caller,
        Dialled = e.Dialled,
        Source = e.Source,
        SourcePbxId = e.SourcePbxId,
        SourceGatewayId = e.SourceGatewayId,
        SourceTenantId = e.SourceTenantId,
        ReceivedAt = e.At,
    };

    public static Cdr Apply(CallRouted e, Cdr cdr) => cdr with
    {
        Destination = e.Destination,
        TargetKind = e.TargetKind,
        TargetId = e.TargetId,
        TargetTenantId = e.TargetTenantId,
        Targets = e.Targets?.Select(t => $"{t.Kind}:{t.Id}").ToList() ?? [$"{e.TargetKind}:{e.TargetId}"],
        NormalizedNumber = e.NormalizedNumber,
        IsEmergency = e.IsEmergency,
    };

    public static Cdr Apply(CallRejected e, Cdr cdr) => cdr with
    {
        Disposition = CdrDispositions.Rejected, StatusCode = e.StatusCode, Reason = e.Reason, EndedAt = e.At, EndedBy = "system",
    };

    public static Cdr Apply(CallControl.Projections.Billing.CardCallAdmitted e, Cdr cdr) => cdr with { CardId = e.CardId };

    public static Cdr Apply(CallAttemptFailed e, Cdr cdr) => cdr with { FailedAttempts = cdr.FailedAttempts + 1 };

    /// <summary>With several targets (gateway failover) the one that answered becomes the CDR's target.</summary>
    public static Cdr Apply(CallAnswered e, Cdr cdr)
    {
        var answered = cdr with { AnsweredAt = e.At, Disposition = CdrDispositions.Connected, StatusCode = 200, CalleeCallId = e.CalleeCallId };
        if (cdr.Targets.Count > 1 && e.AttemptIndex >= 0 && e.AttemptIndex < cdr.Targets.Count
            && cdr.Targets[e.AttemptIndex].Split(':', 2) is [var kind, var id])
            answered = answered with { TargetKind = kind, TargetId = id };
        return answered;
    }

    public static Cdr Apply(CallFailed e, Cdr cdr) => cdr with
    {
        Disposition = CdrDispositions.ForFailure(e.StatusCode), StatusCode = e.StatusCode, Reason = e.Reason, EndedAt = e.At, EndedBy = e.EndedBy,
    };

    public static Cdr Apply(CallEnded e, Cdr cdr) => cdr with
    {
        Disposition = CdrDispositions.Answered, EndedAt = e.At, Duration = e.Duration, EndedBy = e.EndedBy, Reason = e.Reason,
    };

    public static Cdr Apply(BandwidthReserved e, Cdr cdr) => cdr with
    {
        Kbps = e.Kbps, PeakKbps = e.Kbps, Codec = e.Codecs.Count > 0 ? e.Codecs[0] : null, KbpsSteps = [new KbpsStep(e.At, e.Kbps)],
        LimitSource = e.Source, LimitTarget = e.Target, IsEmergency = cdr.IsEmergency || e.IsEmergency,
    };

    public static Cdr Apply(BandwidthChanged e, Cdr cdr) => cdr with
    {
        Kbps = e.ToKbps, PeakKbps = Math.Max(cdr.PeakKbps ?? 0, e.ToKbps), Codec = e.ToCodec ?? cdr.Codec,
        KbpsSteps = [.. cdr.KbpsSteps, new KbpsStep(e.At, e.ToKbps)],
    };

    public static Cdr Apply(CallLimitHit e, Cdr cdr) => cdr with
    {
        LimitHit = $"{e.Scope} {e.Limit} limit {e.LimitValue}: {e.CurrentValue} in use{(e.Bypassed ? " (bypassed: emergency)" : "")}",
    };

    /// <summary>Failover moved the call's count: a restart rebuilds the limits from <see cref="Cdr.LimitTarget"/>.</summary>
    public static Cdr Apply(CallRetargeted e, Cdr cdr) => cdr with { LimitTarget = e.To };

    public static Cdr Apply(FailoverTargetSkipped e, Cdr cdr) => cdr with
    {
        LimitHit = $"{e.Scope} {e.Limit} limit {e.LimitValue}: {e.CurrentValue} in use ({(e.AtAdmission ? "target" : "failover target")} {e.TargetIndex} skipped{(e.AtAdmission ? " at admission" : "")})",
    };
}
