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
/// <remarks>
/// A recovered dialog is unknown to the new proxy, so its BYE can no longer be reported and the maximum call
/// duration cannot be enforced on it. It therefore counts only until the longest it could still be up: answer
/// (or, unanswered, its INVITE) + <see cref="ControllerSettings.MaxCallDuration"/>; then it is released from the
/// registry. Its CDR stays open (no end was seen); the rule "open CDR younger than the maximum duration" gives the
/// same count on every node and after every restart.
/// </remarks>
public sealed class LimitsRecovery(IDocumentStore store, LiveLimits limits, ControllerSettings settings, IClock clock, ILogger<LimitsRecovery> logger)
    : IHostedService, IAsyncDisposable
{
    public static readonly TimeSpan ExpiryInterval = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _stopping = new();
    private readonly Duration _maxDuration = Duration.FromTimeSpan(settings.MaxCallDuration);
    private IReadOnlyList<(string CallKey, Instant Expires)> _recovered = [];
    private Task _expiry = Task.CompletedTask;

    public async Task StartAsync(CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var open = await session.Query<Cdr>().Where(c => c.EndedAt == null).ToListAsync(ct);
        var now = clock.GetCurrentInstant();
        var live = open.Where(c => ExpiresAt(c) > now).ToList();
        var dialogs = live.Select(OpenDialogOf).ToList();
        var count = limits.Current().Rebuild(dialogs, now);
        _recovered = live.Select(c => (c.Id, ExpiresAt(c))).OrderBy(r => r.Item2).ToList();
        logger.LogInformation("Live limits rebuilt from the event store: {Count} open calls, {Kbps} kbit/s ({Expired} open CDRs older than the maximum call duration not counted)",
            count, dialogs.Sum(d => (long)d.Kbps), open.Count - live.Count);
        if (_recovered.Count > 0) _expiry = ExpireAsync(_stopping.Token);
    }

    private Instant ExpiresAt(Cdr cdr) => (cdr.AnsweredAt ?? cdr.ReceivedAt) + _maxDuration;

    /// <summary>Releases each recovered dialog when it can no longer be up. Release is idempotent: a dialog the
    /// registry no longer holds is left alone.</summary>
    private async Task ExpireAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(ExpiryInterval);
        var next = 0;
        try
        {
            while (next < _recovered.Count && await timer.WaitForNextTickAsync(ct))
            {
                var now = clock.GetCurrentInstant();
                for (; next < _recovered.Count && _recovered[next].Expires <= now; next++)
                    if (limits.Registry.Release(_recovered[next].CallKey) is not null)
                        logger.LogWarning("Recovered call {CallKey} released from the live limits: no end was seen within the maximum call duration after a restart",
                            _recovered[next].CallKey);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // stopping
        }
    }

    public async Task StopAsync(CancellationToken ct)
    {
        await _stopping.CancelAsync();
        await _expiry;
    }

    public ValueTask DisposeAsync()
    {
        _stopping.Dispose();
        return ValueTask.CompletedTask;
    }

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
