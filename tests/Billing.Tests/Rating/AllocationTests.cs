using CallControl.Billing.Rating;
using NodaTime;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace CallControl.Billing.Tests.Rating;

/// <summary>Guards the "allocation-light" promise of the rater (the benchmark measures speed; this pins memory).</summary>
public class AllocationTests(ITestOutputHelper output)
{
    [Fact]
    public void Rating_allocates_only_its_result()
    {
        var book = Books.Default(Books.Demo());
        var start = Books.Utc(2026, 3, 25, 12, 0);
        var duration = Duration.FromSeconds(125);
        for (var i = 0; i < 100; i++)
        {
            Rater.Rate(book, "acc", "447700900123", start, duration); // warm up
            Rater.MaxDuration(book, "acc", "447700900123", start, 1.00m);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            Rater.Rate(book, "acc", "447700900123", start, duration);
        }
        var ratePerCall = (GC.GetAllocatedBytesForCurrentThread() - before) / 1000;

        before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            Rater.MaxDuration(book, "acc", "447700900123", start, 1.00m);
        }
        var maxPerCall = (GC.GetAllocatedBytesForCurrentThread() - before) / 1000;
        output.WriteLine($"Rate: {ratePerCall} B/call, MaxDuration: {maxPerCall} B/call");

        // RatedCall + list + 2 parts is roughly 600 bytes; MaxDuration allocates its result only.
        ratePerCall.ShouldBeLessThan(1000);
        maxPerCall.ShouldBeLessThan(200);
    }
}
