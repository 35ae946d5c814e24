using CallControl.Calls;
using NodaTime;

namespace CallControl.Projections.Cdrs;

/// <summary>Call detail record: one per call stream, projected from its events.</summary>
public sealed record Cdr
{
    /// <summary>The call stream key.</summary>
    public string Id { get; init; } = "";
    public string CallId { get; init; } = "";
    /// <summary>The Call-ID the answering carrier saw (topology hiding: an alias), when it differs from <see cref="CallId"/>.</summary>
    public string? CalleeCallId { get; init; }
    public string Caller { get; init; } = "";
    public string Dialled { get; init; } = "";
    public string? Destination { get; init; }
    public string Source { get; init; } = "";
    public string? SourcePbxId { get; init; }
    public string? SourceGatewayId { get; init; }
    public string? SourceTenantId { get; init; }
    public string? TargetKind { get; init; }
    public string? TargetId { get; init; }
    public string? TargetTenantId { get; init; }
    /// <summary>Every target in failover order as "kind:id" (gateways: each gateway; answered: the one that answered is <see cref="TargetId"/>).</summary>
    public IReadOnlyList<string> Targets { get; init; } = [];
    /// <summary>The E.164 number the dialled string was normalized to.</summary>
    public string? NormalizedNumber { get; init; }
    public bool IsEmergency { get; init; }
    public Instant ReceivedAt { get; init; }
    public Instant? AnsweredAt { get; init; }
    public Instant? EndedAt { get; init; }
    /// <summary>Answer to end; zero for unanswered calls.</summary>
    public Duration Duration { get; init; }
    public string Disposition { get; init; } = CdrDispositions.InProgress;
    public int? StatusCode { get; init; }
    public string? Reason { get; init; }
    public string? EndedBy { get; init; }
    public int FailedAttempts { get; init; }
    /// <summary>kbit/s the call holds on its links now (null: not admitted by the live limits).</summary>
    public int? Kbps { get; init; }
    /// <summary>The most the call ever held, for usage history.</summary>
    public int? PeakKbps { get; init; }
    public string? Codec { get; init; }
    /// <summary>What the call held over time: the reservation, then every change (answer, re-INVITE), for usage history.
    /// Empty for calls recorded before it existed (history then uses <see cref="PeakKbps"/>).</summary>
    public IReadOnlyList<KbpsStep> KbpsSteps { get; init; } = [];
    /// <summary>The links as limits count them (set with <see cref="Kbps"/>).</summary>
    public LinkRef? LimitSource { get; init; }
    public LinkRef? LimitTarget { get; init; }
    /// <summary>The limit that refused the call (or that an emergency call went past), e.g. <c>pbx:acme-hq Calls limit 10</c>.</summary>
    public string? LimitHit { get; init; }
    /// <summary>The calling card (account id) that pays for the call; null when it was not dialled through a card.</summary>
    public string? CardId { get; init; }

    /// <summary>True while the dialog holds resources: routed or answered and not ended.</summary>
    public bool IsActive => EndedAt is null;
}

/// <summary>From <paramref name="At"/> on, the call held <paramref name="Kbps"/>.</summary>
public sealed record KbpsStep(Instant At, int Kbps);

public static class CdrDispositions
{
    public const string InProgress = "in-progress";
    public const string Connected = "connected";
    public const string Answered = "answered";
    public const string Rejected = "rejected";
    public const string Busy = "busy";
    public const string Cancelled = "cancelled";
    public const string NoAnswer = "no-answer";
    public const string Failed = "failed";

    public static string ForFailure(int statusCode) => statusCode switch
    {
        486 or 600 => Busy,
        487 => Cancelled,
        408 or 480 => NoAnswer,
        _ => Failed,
    };
}
