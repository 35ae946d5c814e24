using CallControl.Billing.Cards;
using CallControl.Host.EventStore;
using CallControl.Projections;
using CallControl.Routing;
using Marten;
using Marten.Events;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace CallControl.Host.Billing;

/// <summary>A source as operators see it: its lock (if any) and the wrong PINs still in its window.</summary>
public sealed record CardSourceView(string Source, string Scope, bool Locked, Instant? LockedAt, Instant? LockedUntil, string? Reason,
    int FailuresInWindow, int MaxFailures);

/// <summary>
/// The wrong-PIN lockout of this controller (<see cref="PinLockoutBook"/> in memory, DESIGN.md rule 3), rebuilt at start-up
/// from the <see cref="PinLockout"/> events of the last <see cref="PinLockoutOptions.Horizon"/> (before SIP opens: hosted
/// services start in order). The card guard records the events with the call's (same group commit); an operator's unlock
/// is recorded here before it takes effect (write-ahead).
/// </summary>
public sealed class CardLockouts(ControllerSettings settings, IDocumentStore store, GroupCommitWriter writer, IClock clock, ILogger<CardLockouts> logger)
    : IHostedService
{
    public PinLockoutBook Book { get; } = new(settings.CardPinLockout);

    public async Task StartAsync(CancellationToken ct)
    {
        var since = clock.GetCurrentInstant() - Book.Options.Horizon - Duration.FromMinutes(5);
        await using var session = store.QuerySession();
        var events = await session.Events.QueryAllRawEvents()
            .Where(e => e.EventTypesAre(EventStoreConfiguration.CardLockoutEventTypes))
            .Where(e => e.Timestamp >= since.ToDateTimeOffset())
            .OrderBy(e => e.Sequence)
            .ToListAsync(ct);
        Book.Load(events.Select(e => e.Data));
        var now = clock.GetCurrentInstant();
        var locked = Book.State.Sources.Values.Count(s => s.IsLockedAt(now));
        logger.LogInformation("Card PIN lockout rebuilt from {Events} events: {Locked} sources locked", events.Count, locked);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    /// <summary>The sources a card call is counted against: the caller (trunk + From user) and the trunk. Empty for a
    /// source that is neither a PBX nor a gateway (not routable anyway).</summary>
    public static IReadOnlyList<string> SourcesOf(RoutingResult route, string fromUser)
    {
        var trunk = route.Source switch
        {
            PbxSource p => PinLockout.TrunkSource("pbx", p.Pbx.PbxId),
            GatewaySource g => PinLockout.TrunkSource("gateway", g.Gateway.GatewayId),
            _ => null,
        };
        return trunk is null ? [] : [PinLockout.CallerSource(trunk, fromUser), trunk];
    }

    /// <summary>Every source locked now or with wrong PINs in its window, locked first.</summary>
    public IReadOnlyList<CardSourceView> Sources()
    {
        var now = clock.GetCurrentInstant();
        var options = Book.Options;
        return Book.State.Sources.Values
            .Select(s =>
            {
                var rule = options.RuleFor(s.Source);
                var locked = s.IsLockedAt(now);
                return new CardSourceView(s.Source, PinLockout.IsCallerSource(s.Source) ? "caller" : "trunk", locked,
                    locked ? s.LockedAt : null, locked ? s.LockedUntil : null, locked ? s.LockReason : null,
                    s.Failures.Count(f => f > now - rule.Window), rule.MaxFailures);
            })
            .Where(v => v.Locked || v.FailuresInWindow > 0)
            .OrderByDescending(v => v.Locked).ThenBy(v => v.Source, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>An operator lifts a source's lock: recorded (<see cref="CardSourceUnlocked"/>) before it takes effect for
    /// good; if it cannot be recorded the lock stays. Null when the source is not locked.</summary>
    public async Task<CardSourceUnlocked?> UnlockAsync(string source, string by, string reason, CancellationToken ct = default)
    {
        var before = Book.State.Sources.GetValueOrDefault(source);
        var events = Book.Unlock(source, by, reason, clock.GetCurrentInstant());
        if (events.Count == 0) return null;
        try
        {
            await writer.AppendAsync(PinLockout.Stream(source), AppendKind.NewCall, events.ToArray()).WaitAsync(ct);
        }
        catch
        {
            Book.Restore(before!);
            throw;
        }
        logger.LogWarning("Card source {Source} unlocked by {By}: {Reason}", source, by, reason);
        return (CardSourceUnlocked)events[0];
    }
}
