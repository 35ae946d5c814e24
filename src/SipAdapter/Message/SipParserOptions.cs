namespace CallControl.Sip.Message;

/// <summary>Size limits the framer enforces before anything is parsed.</summary>
public sealed record SipParserOptions
{
    public int MaxMessageSize { get; init; } = 65_535;
    public int MaxHeaderCount { get; init; } = 100;
    public int MaxLineLength { get; init; } = 4_096;

    public static SipParserOptions Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad setting.</summary>
    public void Validate()
    {
        if (MaxMessageSize is < 512 or > 16 * 1024 * 1024)
        {
            throw new ArgumentException($"MaxMessageSize must be between 512 and 16 MiB, was {MaxMessageSize}.", nameof(MaxMessageSize));
        }

        if (MaxHeaderCount is < 8 or > 10_000)
        {
            throw new ArgumentException($"MaxHeaderCount must be between 8 and 10000, was {MaxHeaderCount}.", nameof(MaxHeaderCount));
        }

        if (MaxLineLength < 128 || MaxLineLength > MaxMessageSize)
        {
            throw new ArgumentException($"MaxLineLength must be between 128 and MaxMessageSize, was {MaxLineLength}.", nameof(MaxLineLength));
        }
    }
}
