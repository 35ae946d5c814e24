namespace CallControl.Limits;

/// <summary>A new call asking to be admitted.</summary>
/// <param name="Source">Where the INVITE came from (a PBX of a tenant, or a gateway for inbound PSTN calls).</param>
/// <param name="Target">Where it is routed to (a PBX, a gateway, or unlimited for foreign domains).</param>
/// <param name="EstimatedKbps">Worst-case bandwidth of the offer, from <see cref="BandwidthEstimator.EstimateOffer(System.ReadOnlySpan{byte})"/>.</param>
/// <param name="IsEmergency">Emergency calls are never refused for limits, but are counted.</param>
public sealed record AdmissionRequest(CallLink Source, CallLink Target, int EstimatedKbps, bool IsEmergency = false);
