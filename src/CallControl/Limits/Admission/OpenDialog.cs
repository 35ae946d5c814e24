using NodaTime;

namespace CallControl.Limits;

/// <summary>
/// What one open dialog holds: the facts the registry is rebuilt from at start-up (from CallRouted /
/// CallAnswered / BandwidthChanged events of calls without CallEnded) and what <see cref="LiveUsageRegistry.OpenDialogs"/> lists.
/// </summary>
/// <param name="CallKey">Dialog key (Call-ID + From-tag), the call stream id.</param>
/// <param name="Kbps">Currently reserved kbit/s: the offer's worst case until answered, then the negotiated value.</param>
/// <param name="AdmittedAt">When it was admitted; feeds the calls-per-second window after a rebuild.</param>
public sealed record OpenDialog(
    string CallKey, CallLink Source, CallLink Target, int Kbps, bool IsEmergency, Instant AdmittedAt);

/// <summary>Result of <see cref="LiveUsageRegistry.Settle"/>.</summary>
/// <param name="Found">False when the call key is not open (already released or never admitted); nothing changed.</param>
public readonly record struct Settlement(bool Found, int PreviousKbps, int NewKbps)
{
    public bool Changed => Found && PreviousKbps != NewKbps;
}
