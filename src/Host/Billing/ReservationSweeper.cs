using CallControl.Billing.Accounts;
using CallControl.Host.Calls;
using CallControl.Host.EventStore;
using CallControl.Projections.Billing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace CallControl.Host.Billing;

/// <summary>Every <see cref="Interval"/> (and right after start-up) releases the credit holds of calls that must be
/// over (<see cref="LiveBilling.ReleaseExpired"/>), so a restart never leaves a customer's credit held. Holds of calls
/// open on this node (<see cref="ActiveCalls"/>, including calls taken back after a restart) are left to the call's end.</summary>
public sealed class ReservationSweeper(LiveBilling billing, ActiveCalls calls, GroupCommitWriter writer, IClock clock, ILogger<ReservationSweeper> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);
    /// <summary>Ringing before the answer plus the cut-off's own delay.</summary>
    public static readonly Duration Grace = Duration.FromMinutes(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                var events = billing.ReleaseExpired(clock.GetCurrentInstant(), Grace, call => calls.Find(call.Value) is not null);
                foreach (var group in events.Cast<ReservationReleased>().GroupBy(e => e.AccountId))
                {
                    logger.LogWarning("Released {Count} expired credit hold(s) of account {Account}", group.Count(), group.Key);
                    await writer.AppendAsync(BillingStreams.Account(group.Key), AppendKind.InProgress, group.Cast<object>().ToArray());
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Could not release expired prepaid holds; trying again in {Interval}", Interval);
            }
            try
            {
                if (!await timer.WaitForNextTickAsync(stoppingToken)) break;
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        while (!stoppingToken.IsCancellationRequested);
    }
}
