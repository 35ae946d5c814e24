using CallControl.Calls;
using NodaTime;

namespace CallControl.Projections.Billing;

/// <summary>
/// A calling-card call was admitted (call stream, same group commit as the hold on the card's account): the card that
/// pays (its account id, never the PIN), the access number it was dialled through, and what its balance granted.
/// </summary>
public sealed record CardCallAdmitted(string CallKey, string CardId, string AccessNumber, Duration Granted, decimal Reserved, Instant At) : ICallEvent;
