namespace CallControl.Routing;

/// <summary>One candidate the router looked at, and what it made of it.</summary>
public sealed record RouteCandidate(string Kind, string Id, string Outcome, string Reason);

/// <summary>What the router decided for a new call, with its reasons (DESIGN.md rule 5).</summary>
public abstract record RoutingResult
{
    public required CallSource? Source { get; init; }
    public required string Dialled { get; init; }
    public IReadOnlyList<RouteCandidate> Candidates { get; init; } = [];
}

public sealed record CallRefused(int StatusCode, string Reason) : RoutingResult;

/// <summary>The call goes to a PBX of the cloud (inter-PBX or inbound from a gateway).</summary>
public sealed record RoutedToPbx(string Destination, PbxTarget Pbx, string RangeId, string Reason) : RoutingResult;
