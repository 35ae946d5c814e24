namespace CallControl.Tests.Message.Conformance;

public enum Verdict
{
    /// <summary>Framed, parsed, and every typed header an element reads is well-formed.</summary>
    Accept,

    /// <summary>A request answered with <see cref="Outcome.StatusCode"/> (over TCP a framing error also closes the connection).</summary>
    Reject,

    /// <summary>A malformed response: discarded silently, never answered.</summary>
    Drop,

    /// <summary>Stream only: wait for more bytes (consumes nothing).</summary>
    NeedMore,
}

public readonly record struct Outcome(Verdict Verdict, int StatusCode = 0)
{
    public static Outcome Accept => new(Verdict.Accept);

    public static Outcome Drop => new(Verdict.Drop);

    public static Outcome NeedMore => new(Verdict.NeedMore);

    public static Outcome Reject(int statusCode) => new(Verdict.Reject, statusCode);

    public override string ToString() => Verdict == Verdict.Reject ? $"reject {StatusCode}" : Verdict.ToString().ToLowerInvariant();
}
