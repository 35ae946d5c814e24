using CallControl.Billing.Accounts;

namespace CallControl.Projections.Billing;

/// <summary>An account as of a <see cref="BillingCheckpoint"/>: its open state only (balance, holds, card), not the calls
/// charged before it.</summary>
public sealed record AccountSnapshot(
    string AccountId, AccountKind Kind, string Currency, decimal? CreditLimit, decimal Balance, long ChargedCount,
    IReadOnlyList<Reservation> Reservations, CallingCard? Card);

/// <summary>
/// The accounts folded from the billing events up to <see cref="Floor"/> plus the events of <see cref="Applied"/> (the
/// sequences above the floor already in it: sequences are taken before commit, so the next reader starts at the floor and
/// skips these, exactly as the live follower does). Written by the controller from the event log only (never from its own
/// pending decisions); start-up reads it and the events after it instead of every account event ever recorded.
/// </summary>
public sealed class BillingCheckpoint
{
    public const string LiveId = "billing";

    public string Id { get; set; } = LiveId;
    /// <summary>Highest sequence folded in.</summary>
    public long Sequence { get; set; }
    public long Floor { get; set; }
    public List<long> Applied { get; set; } = [];
    public List<AccountSnapshot> Accounts { get; set; } = [];
    /// <summary>Sequences of the tariff and rating-profile events in it: the book is folded again from these (few, read by key).</summary>
    public List<long> TariffSequences { get; set; } = [];
    /// <summary>When it was written (wall clock), for operators.</summary>
    public DateTimeOffset WrittenAt { get; set; }
}
