using CallControl.Calls;
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
/// An answered call whose <see cref="CallAnswered"/> recorded its dialog (<see cref="AnsweredDialog"/>) is handed to the
/// proxy (<see cref="RecoveredDialogs"/>): the proxy carries it on as its own (Call-ID alias of a hidden carrier leg,
/// keep-alive pings, BYE to both at its grant or the maximum call duration), so the sweep here leaves it alone.
/// </summary>
public sealed class CallRecovery(IDocumentStore store, ActiveCalls calls, CallPolicy policy, ControllerSettings settings, IClock clock,
    RecoveredDialogs dialogs, ILogger<CallRecovery> logger) : BackgroundService
{
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(30);

    public override async Task StartAsync(CancellationToken ct)
    {
        await using (var session = store.QuerySession())
        {
            var open = await session.Query<Cdr>().Where(c => c.EndedAt == null).ToListAsync(ct);
            var answers = await AnswersAsync(session, open.Where(c => c.AnsweredAt is not null).Select(c => c.Id).ToList(), ct);
            int answered = 0, failed = 0, restored = 0;
            foreach (var cdr in open)
            {
                // The guards take the call back first (credit: its hold and grant), so its end settles it once.
                var grant = policy.Recover(new RecoveredCall(cdr.Id, cdr.SourceTenantId, cdr.Destination, cdr.IsEmergency, cdr.ReceivedAt, cdr.AnsweredAt, cdr.CardId));
                calls.Open(new OpenCall(cdr.Id, cdr.SourcePbxId, cdr.TargetKind == "pbx" ? cdr.TargetId : null, cdr.ReceivedAt, cdr.AnsweredAt, grant)
                    { Recovered = true });
                if (cdr.AnsweredAt is null)
                {
                    await policy.EndAsync(cdr.Id, "system", "controller restarted before the call was answered");
                    failed++;
                }
                else
                {
                    answered++;
                    if (answers.GetValueOrDefault(cdr.Id) is { Dialog: { } recorded } answer && DialogRecords.FromEvent(recorded, answer.CalleeCallId) is { } state)
                    {
                        // The shortest of its grant and the maximum call duration, from its answer (what the old proxy would have cut it at).
                        var limit = Duration.FromTimeSpan(settings.MaxCallDuration);
                        if (grant is { } g && g < limit) limit = g;
                        var callId = cdr.CallId;
                        dialogs.Add(new RecoveredDialog(cdr.Id, new CallControl.Sip.Proxy.DialogKey(callId, FromTagOf(cdr.Id, callId)),
                            answer.AttemptIndex, state, cdr.AnsweredAt.Value, limit));
                        restored++;
                    }
                }
            }
            if (open.Count > 0)
                logger.LogWarning("Recovered {Answered} answered calls from the event store ({Restored} with their dialog state for the proxy); {Failed} unanswered calls recorded as failed",
                    answered, restored, failed);
        }
        await base.StartAsync(ct);
    }

    /// <summary>The <see cref="CallAnswered"/> of each call, read in chunks (one query per 500 calls, not one per call).</summary>
    private static async Task<Dictionary<string, CallAnswered>> AnswersAsync(IQuerySession session, List<string> keys, CancellationToken ct)
    {
        var answers = new Dictionary<string, CallAnswered>();
        foreach (var chunk in keys.Chunk(500))
        {
            var found = await session.Events.QueryRawEventDataOnly<CallAnswered>().Where(e => chunk.Contains(e.CallKey)).ToListAsync(ct);
            foreach (var e in found) answers[e.CallKey] = e;
        }
        return answers;
    }

    /// <summary>The From tag part of a call stream key (<see cref="CallStreams.Key"/>: <c>call:&lt;Call-ID&gt;;&lt;From-tag&gt;</c>).</summary>
    private static string FromTagOf(string callKey, string callId) => callKey[(CallStreams.Key(callId, "").Length)..];

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
                    if (!call.DialogRestored && call.AnsweredAt is { } answered && now - answered > Duration.FromTimeSpan(settings.MaxCallDuration))
                        await policy.EndAsync(call.CallKey, "system", "maximum call duration reached after a controller restart", endSeen: false);
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }
}
