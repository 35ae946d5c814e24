using CallControl.Billing.Accounts;
using CallControl.Billing.Rating;
using CallControl.Billing.Tariffs;
using NodaTime;
using Shouldly;
using Xunit;
using static CallControl.Billing.Tests.PlanBuilder;

namespace CallControl.Billing.Tests.Rating;

public class ReRatingTests
{
    private static readonly Instant Jan = Books.Utc(2026, 1, 1, 0, 0);
    private static readonly Instant CallStart = Books.Utc(2026, 2, 10, 12, 0);
    private static readonly Instant Mar = Books.Utc(2026, 3, 1, 0, 0);

    private static TariffPlanDefinition Nl(decimal perMinute) => new PlanBuilder().Simple("31", Slot(perMinute, 60, 1)).Build();

    private static readonly object[] Original =
    [
        new TariffPlanImported("RP", 1, Nl(0.02m), Jan, Jan),
        new RatingProfileAssigned("*any", "RP", Jan, null, Jan),
    ];

    private static CdrFacts Facts(decimal previous) =>
        new(new CallKey("call-1"), "acc-1", "31201234567", CallStart, Duration.FromSeconds(300), previous, "EUR");

    [Fact]
    public void Same_book_gives_zero_difference()
    {
        // 300s at 0.02/min = 0.10 charged; re-rated with the same book -> 0.10, no difference, no event
        var result = ReRating.Compute(Facts(0.10m), TariffBook.From(Original));
        result.NewCharge.ShouldBe(0.10m);
        result.Difference.ShouldBe(0m);
        result.Outcome.ShouldBe(ReRatingOutcome.Unchanged);
        ReRating.ToEvents(result, "run", Mar).ShouldBeEmpty();
    }

    [Fact]
    public void Correction_effective_in_the_past_yields_a_credit()
    {
        // v2 at 0.01/min, effective since January (a correction imported in March): 300s -> 0.05; was 0.10 -> credit 0.05
        var book = TariffBook.From([.. Original, new TariffPlanImported("RP", 2, Nl(0.01m), Jan, Mar)]);
        var result = ReRating.Compute(Facts(0.10m), book);
        result.Difference.ShouldBe(-0.05m);
        result.Outcome.ShouldBe(ReRatingOutcome.Credit);
        ReRating.ToEvents(result, "tariff fix", Mar).ShouldBe([new CallReRated("acc-1", new CallKey("call-1"), 0.10m, 0.05m, "tariff fix", Mar)]);

        // re-running after the credit was booked (previous charge now 0.05) -> zero
        ReRating.Compute(Facts(0.05m), book).Difference.ShouldBe(0m);
    }

    [Fact]
    public void Higher_price_yields_a_debit()
    {
        // 0.03/min: 300s -> 0.15, was 0.10 -> debit 0.05
        var book = TariffBook.From([.. Original, new TariffPlanImported("RP", 2, Nl(0.03m), Jan, Mar)]);
        var result = ReRating.Compute(Facts(0.10m), book);
        result.Difference.ShouldBe(0.05m);
        result.Outcome.ShouldBe(ReRatingOutcome.Debit);
    }

    [Fact]
    public void Version_effective_after_the_call_does_not_change_it()
    {
        var book = TariffBook.From([.. Original, new TariffPlanImported("RP", 2, Nl(0.50m), Mar, Mar)]);
        ReRating.Compute(Facts(0.10m), book).Difference.ShouldBe(0m);
    }

    [Fact]
    public void No_rate_in_new_book_changes_nothing_and_says_why()
    {
        var book = TariffBook.From([.. Original, new TariffPlanImported("RP", 2, new PlanBuilder().Simple("44", Slot(0.10m, 60, 60)).Build(), Jan, Mar)]);
        var result = ReRating.Compute(Facts(0.10m), book);
        result.Outcome.ShouldBe(ReRatingOutcome.NotRated);
        result.Difference.ShouldBe(0m);
        result.Detail.ShouldContain("NoDestination");
    }
}
