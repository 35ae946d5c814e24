using CallControl.Billing.Rating;
using CallControl.Billing.Tariffs;
using NodaTime;
using Shouldly;
using Xunit;
using static CallControl.Billing.Tests.PlanBuilder;

namespace CallControl.Billing.Tests.Tariffs;

public class TariffBookTests
{
    private static readonly Instant Jan = Books.Utc(2026, 1, 1, 0, 0);
    private static readonly Instant Feb = Books.Utc(2026, 2, 1, 0, 0);
    private static readonly Instant Mar = Books.Utc(2026, 3, 1, 0, 0);

    private static TariffPlanDefinition Nl(decimal perMinute) => new PlanBuilder().Simple("31", Slot(perMinute, 60, 60)).Build();

    private static decimal Cost(TariffBook book, string account, Instant at) =>
        Rater.Rate(book, account, "31201234567", at, Duration.FromSeconds(60)).ShouldBeOfType<RatedCall>().Total;

    [Fact]
    public void Account_profile_activates_at_its_instant_and_default_applies_before()
    {
        // Given the default plan at 0.02 since January and acc-1 on GOLD (0.01) from February
        var book = TariffBook.From(
        [
            new TariffPlanImported("RP_DEFAULT", 1, Nl(0.02m), Jan, Jan),
            new TariffPlanImported("RP_GOLD", 1, Nl(0.01m), Jan, Jan),
            new RatingProfileAssigned("*any", "RP_DEFAULT", Jan, null, Jan),
            new RatingProfileAssigned("acc-1", "RP_GOLD", Feb, null, Jan),
        ]);
        Cost(book, "acc-1", Jan.Plus(Duration.FromDays(3))).ShouldBe(0.02m);
        Cost(book, "acc-1", Feb).ShouldBe(0.01m);
        Cost(book, "acc-2", Feb).ShouldBe(0.02m);
        book.ProfileAt("acc-1", Feb)!.PlanId.ShouldBe("RP_GOLD");
        book.ProfileAt("acc-2", Feb).ShouldBeNull();
    }

    [Fact]
    public void Later_profile_replaces_earlier_one_from_its_activation()
    {
        var book = TariffBook.From(
        [
            new TariffPlanImported("A", 1, Nl(0.05m), Jan, Jan),
            new TariffPlanImported("B", 1, Nl(0.03m), Jan, Jan),
            new RatingProfileAssigned("acc-1", "B", Mar, null, Jan), // recorded first, activates later
            new RatingProfileAssigned("acc-1", "A", Jan, null, Jan),
        ]);
        Cost(book, "acc-1", Feb).ShouldBe(0.05m);
        Cost(book, "acc-1", Mar).ShouldBe(0.03m);
        book.ProfilesOf("acc-1").Select(p => p.PlanId).ShouldBe(["A", "B"]);
    }

    [Fact]
    public void Plan_versions_are_selected_by_effective_instant_then_version()
    {
        // v1 from January at 0.02; v2 from March at 0.04 (imported in February);
        // v3 imported in March as a correction effective since February at 0.03.
        var events = new object[]
        {
            new TariffPlanImported("RP", 1, Nl(0.02m), Jan, Jan),
            new RatingProfileAssigned("*any", "RP", Jan, null, Jan),
            new TariffPlanImported("RP", 2, Nl(0.04m), Mar, Feb),
            new TariffPlanImported("RP", 3, Nl(0.03m), Feb, Mar),
        };
        var now = TariffBook.From(events);
        now.LatestVersion("RP").ShouldBe(3);
        Cost(now, "x", Jan).ShouldBe(0.02m);
        Cost(now, "x", Feb).ShouldBe(0.03m); // v3 (effective Feb) beats v1
        Cost(now, "x", Mar).ShouldBe(0.03m); // v3 beats v2: highest version in force
        now.PlanInForce("RP", Feb)!.Version.ShouldBe(3);

        // The book as it was known in February: v3 did not exist yet.
        var asOfFeb = TariffBook.From(events, asOf: Feb);
        asOfFeb.LatestVersion("RP").ShouldBe(2);
        Cost(asOfFeb, "x", Feb).ShouldBe(0.02m);
        Cost(asOfFeb, "x", Mar).ShouldBe(0.04m);
    }

    [Fact]
    public void Call_before_any_version_is_refused()
    {
        var book = TariffBook.From(
        [
            new TariffPlanImported("RP", 1, Nl(0.02m), Feb, Feb),
            new RatingProfileAssigned("*any", "RP", Jan, null, Jan),
        ]);
        Rater.Rate(book, "x", "31201234567", Jan, Duration.FromSeconds(60))
            .ShouldBeOfType<NoRate>().Reason.ShouldBe(NoRateReason.PlanNotInForce);
    }

    [Fact]
    public void Duplicate_import_of_the_same_version_is_idempotent()
    {
        var imported = new TariffPlanImported("RP", 1, Nl(0.02m), Jan, Jan);
        var book = TariffBook.From([imported, imported, new RatingProfileAssigned("*any", "RP", Jan, null, Jan)]);
        book.VersionsOf("RP").Count().ShouldBe(1);
        Cost(book, "x", Feb).ShouldBe(0.02m);
    }

    [Fact]
    public void Fallback_account_is_asked_when_the_plan_lacks_the_destination()
    {
        // acc-1's plan only knows +44; its profile falls back to *any, which knows +31.
        var book = TariffBook.From(
        [
            new TariffPlanImported("RP_DEFAULT", 1, Nl(0.02m), Jan, Jan),
            new TariffPlanImported("RP_UK", 1, new PlanBuilder().Simple("44", Slot(0.10m, 60, 60)).Build(), Jan, Jan),
            new RatingProfileAssigned("*any", "RP_DEFAULT", Jan, null, Jan),
            new RatingProfileAssigned("acc-1", "RP_UK", Jan, "*any", Jan),
            new RatingProfileAssigned("acc-2", "RP_UK", Jan, null, Jan),
        ]);
        Cost(book, "acc-1", Feb).ShouldBe(0.02m);
        Rater.Rate(book, "acc-2", "31201234567", Feb, Duration.FromSeconds(60))
            .ShouldBeOfType<NoRate>().Reason.ShouldBe(NoRateReason.NoDestination);
    }

    [Fact]
    public void Invalid_definition_names_plan_and_item()
    {
        var bad = new PlanBuilder().Destination("D", "31").DestinationRate("DR", "D", "MISSING").Entry("DR").Build();
        var ex = Should.Throw<TariffDefinitionException>(() => TariffBook.Empty.Apply(new TariffPlanImported("RP_BAD", 1, bad, Jan, Jan)));
        ex.PlanId.ShouldBe("RP_BAD");
        ex.Message.ShouldContain("MISSING");
    }

    [Fact]
    public void Unrelated_events_are_ignored()
    {
        TariffBook.Empty.Apply("not a tariff event").ShouldBeSameAs(TariffBook.Empty);
    }
}
