using CallControl.Calls;
using CallControl.Limits;
using CallControl.Projections.Cdrs;
using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace CallControl.Host.Limits;

/// <summary>
/// Start-up (or a node taking over): rebuilds the live usage from the calls the event store still has open
/// (CDRs without an end), with the bandwidth each last held, before SIP takes new calls (DESIGN.md rule 4:
/// counters are derived from open dialogs, also across restarts). One query, no stream reads.
/// </summary>
public sealed class LimitsRecovery(IDocumentStore store, LiveLimits limits, IClock clock, ILogger<LimitsRecovery> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var open = await session.Query<Cdr>().Where(c => c.EndedAt == null).ToListAsync(ct);
        var dialogs = open.Select(OpenDialogOf).ToList();
        var count = limits.Current().Rebuild(dialogs, clock.GetCurrentInstant());
        logger.LogInformation("Live limits rebuilt from the event store: {Count} open calls, {Kbps} kbit/s", count, dialogs.Sum(d => (long)d.Kbps));
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    /// <summary>What an open call holds, from its CDR. Calls recorded before live limits existed have no
    /// reservation on their CDR: their links come from the routing fields and they count 0 kbit/s.</summary>
    internal static OpenDialog OpenDialogOf(Cdr cdr)
    {
        var source = cdr.LimitSource?.ToCallLink()
            ?? (cdr.SourcePbxId is { } pbx && cdr.SourceTenantId is { } tenant ? CallLink.Pbx(pbx, tenant)
                : cdr.SourceGatewayId is { } gw ? CallLink.Gateway(gw) : CallLink.Unlimited);
        var target = cdr.LimitTarget?.ToCallLink()
            ?? (cdr.TargetKind == "pbx" && cdr.TargetId is { } tp && cdr.TargetTenantId is { } tt ? CallLink.Pbx(tp, tt)
                : cdr.TargetKind == "gateway" && cdr.TargetId is { } tg ? CallLink.Gateway(tg) : CallLink.Unlimited);
        return new OpenDialog(cdr.Id, source, target, cdr.Kbps ?? 0, cdr.IsEmergency, cdr.ReceivedAt);
    }
}
