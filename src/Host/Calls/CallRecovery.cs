using CallControl.Projections.Cdrs;
using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace CallControl.Host.Calls;

/// <summary>
/// After a restart (or a crash), the calls the event store still shows open are taken back before SIP
/// opens (DESIGN.md rule 4): a call that was answered stays open until its BYE arrives (the proxy reports
/// it as an unknown dialog) or until it has run the maximum call duration; a call that was not yet
/// answered cannot be completed by the new process and is recorded as failed now. The guards take each call back first
/// (<see cref="ICallGuard.Recover"/>: credit keeps its hold and grant), so its end settles it exactly once; a call whose
/// end is never seen is closed at the maximum duration with its talk time taken as its grant (docs/decisions.md).
/// </summary>
public sealed class CallRecovery(IDocumentStore store, ActiveCalls calls, CallPolicy policy, ControllerSettings settings, IClock clock,
    ILogger<CallRecovery> logger) : BackgroundService
{
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(30);

    public override async Task StartAsync(CancellationToken ct)
    {
        await using (var session = store.QuerySession())
        {
            var open = await session.Query<Cdr>().Where(c => c.EndedAt == null).ToListAsync(ct);
            int answered = 0, failed = 0;
            foreach (var cdr in open)
            {
                // The guards take the call back first (credit: its hold and grant), so its end settles it once.
                var grant = policy.Recover(new RecoveredCall(cdr.Id, cdr.SourceTenantId, cdr.Destination, cdr.IsEmergency, cdr.ReceivedAt, cdr.AnsweredAt));
                calls.Open(new OpenCall(cdr.Id, cdr.SourcePbxId, cdr.TargetKind == "pbx" ? cdr.TargetId : null, cdr.ReceivedAt, cdr.AnsweredAt, grant)
                    { Recovered = true });
                if (cdr.AnsweredAt is null)
                {
                    await policy.EndAsync(cdr.Id, "system", "controller restarted before the call was answered");
                    failed++;
                }
                else answered++;
            }
            if (open.Count > 0)
                logger.LogWarning("Recovered {Answered} answered calls from the event store; {Failed} unanswered calls recorded as failed", answered, failed);
        }
        await base.StartAsync(ct);
    }

    /// <summary>Ends recovered calls that have run longer than any call may: their BYE was lost with the old process.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(SweepInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = clock.GetCurrentInstant();
                foreach (var call in calls.Recovered())
                    if (call.AnsweredAt is { } answered && now - answered > Duration.FromTimeSpan(settings.MaxCallDuration))
                        await policy.EndAsync(call.CallKey, "system", "maximum call duration reached after a controller restart", endSeen: false);
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }
}
