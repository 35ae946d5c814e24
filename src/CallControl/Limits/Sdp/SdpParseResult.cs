namespace CallControl.Limits;

/// <summary>Why an SDP body was rejected.</summary>
public enum SdpRejectReason
{
    None,
    /// <summary>No bytes, or only blank lines.</summary>
    Empty,
    /// <summary>Larger than <see cref="SdpParser.MaxBodyBytes"/>; checked before parsing.</summary>
    TooLarge,
    /// <summary>The first line is not <c>v=</c>.</summary>
    MissingVersion,
    /// <summary><c>v=</c> other than 0.</summary>
    UnsupportedVersion,
    /// <summary>A line that is not <c>&lt;lower-case letter&gt;=&lt;value&gt;</c>.</summary>
    MalformedLine,
    MalformedConnection,
    MalformedBandwidth,
    MalformedMedia,
    /// <summary>More than <see cref="SdpParser.MaxMediaSections"/> m= lines.</summary>
    TooManyMedia,
    /// <summary>More than <see cref="SdpParser.MaxFormatsPerMedia"/> formats on one m= line.</summary>
    TooManyFormats,
}

/// <summary>Outcome of <see cref="SdpParser.Parse(System.ReadOnlySpan{byte})"/>: a description, or a reason and the 1-based line it was found on.</summary>
public sealed record SdpParseResult(SessionDescription? Description, SdpRejectReason Reason, int Line)
{
    public bool IsSuccess => Description is not null;

    internal static SdpParseResult Ok(SessionDescription description) => new(description, SdpRejectReason.None, 0);
    internal static SdpParseResult Reject(SdpRejectReason reason, int line) => new(null, reason, line);

    public override string ToString() => IsSuccess ? "ok" : $"{Reason} at line {Line}";
}
