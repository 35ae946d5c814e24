using System.Net;

namespace CallControl.Routing;

/// <summary>A new call as the router needs it: where it came from and what was dialled.</summary>
public sealed record CallAttempt(IPAddress SourceAddress, string Dialled, string Caller);

/// <summary>
/// Decides where a call goes from a routing snapshot alone: a pure function, no I/O, no clock.
/// Pipeline: identify the source by address (else 403) -> DID in the cloud -> PBX (else 404).
/// </summary>
public static class Router
{
    public static RoutingResult Route(RoutingSnapshot snapshot, CallAttempt attempt)
    {
        var source = snapshot.FindSource(attempt.SourceAddress);
        if (source is null)
            return new CallRefused(403, $"Source address {attempt.SourceAddress} is not a provisioned PBX or gateway")
            { Source = null, Dialled = attempt.Dialled };

        var dialled = attempt.Dialled;
        if (!E164.IsValid(dialled))
            return new CallRefused(404, $"'{Printable(dialled)}' is not an E.164 number")
            { Source = source, Dialled = dialled };

        var did = snapshot.FindDid(dialled);
        if (did is not { } owner)
            return new CallRefused(404, $"No route to {dialled}: not a DID of any PBX")
            {
                Source = source, Dialled = dialled,
                Candidates = [new RouteCandidate("did", dialled, "skipped", "no DID range contains the number")],
            };

        var (pbx, rangeId) = owner;
        var reason = $"{dialled} is in DID range {rangeId} of PBX {pbx.PbxId} (tenant {pbx.TenantId})";
        return new RoutedToPbx(dialled, pbx, rangeId, reason)
        {
            Source = source, Dialled = dialled,
            Candidates = [new RouteCandidate("pbx", pbx.PbxId, "chosen", reason)],
        };
    }

    /// <summary>Dialled strings come from the network: keep what lands in events and logs short and printable.</summary>
    internal static string Printable(string s)
    {
        var shortened = s.Length <= 40 ? s : s[..40] + "...";
        return string.Concat(shortened.Select(c => char.IsControl(c) ? '?' : c));
    }
}
