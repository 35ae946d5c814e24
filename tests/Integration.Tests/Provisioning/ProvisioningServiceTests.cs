using CallControl.Host.Provisioning;
using CallControl.Provisioning;
using CallControl.Tests.Infrastructure;
using Marten;
using NodaTime;
using NodaTime.Testing;
using Shouldly;

namespace CallControl.Tests.Provisioning;

public sealed class ProvisioningServiceTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private readonly FakeClock _clock = new(Instant.FromUtc(2026, 11, 26, 14, 0));

    private DocumentStore _store = null!;

    private async Task<ProvisioningService> ServiceAsync()
    {
        _store = await fixture.NewStoreAsync("prov");
        return new ProvisioningService(_store, new ProvisioningStateCache(new ProvisioningLog(_store)), _clock);
    }

    [Fact]
    public async Task Demo_document_becomes_events_once_and_a_second_apply_changes_nothing()
    {
        var service = await ServiceAsync();
        var first = await service.ApplyAsync(ProvisioningJson.Demo());
        first.IsValid.ShouldBeTrue();
        first.Changes.Select(c => c.Event).OfType<PbxRegistered>().Select(p => p.PbxId).ShouldBe(["acme-hq", "globex-main"], ignoreOrder: true);
        first.Changes.Select(c => c.Event).OfType<DidRangeAssigned>().Count().ShouldBe(2);

        var second = await service.ApplyAsync(ProvisioningJson.Demo());
        second.Changes.ShouldBeEmpty();

        await using var session = _store.QuerySession();
        var pbxStream = await session.Events.FetchStreamAsync(ProvisioningStreams.Pbx("acme-hq"));
        pbxStream.Count.ShouldBe(1);
        pbxStream[0].Data.ShouldBeOfType<PbxRegistered>().Addresses.ShouldBe(["127.0.0.11"]);
    }

    [Fact]
    public async Task A_bad_document_is_refused_naming_the_field_and_changes_nothing()
    {
        var service = await ServiceAsync();
        await service.ApplyAsync(ProvisioningJson.Demo());
        var (before, beforeSeq) = await new ProvisioningLog(_store).LoadAsync();

        var bad = ProvisioningJson.Demo() with
        {
            Gateways = [new GatewaySpec { Id = "gw-x", Address = "not-an-ip", Port = 99999 }],
        };
        var outcome = await service.ApplyAsync(bad);

        outcome.IsValid.ShouldBeFalse();
        outcome.Errors.Select(e => e.Field).ShouldContain("gateways[0].port");
        outcome.Errors.Select(e => e.Field).ShouldContain("gateways[0].address");
        // The demo's carriers and emergency routes name gw-a and gw-b, which this document drops.
        outcome.Errors.Select(e => e.Field).ShouldContain("carriers[0].gateways[0].gateway");
        var (after, afterSeq) = await new ProvisioningLog(_store).LoadAsync();
        afterSeq.ShouldBe(beforeSeq);
        after.Gateways.Keys.ShouldBe(before.Gateways.Keys);
    }

    [Fact]
    public async Task Reassigning_a_did_range_is_recorded_and_the_state_as_of_before_shows_the_old_owner()
    {
        var service = await ServiceAsync();
        await service.ApplyAsync(ProvisioningJson.Demo());
        var beforeChange = _clock.GetCurrentInstant();
        _clock.Advance(Duration.FromMinutes(5));

        var demo = ProvisioningJson.Demo();
        var moved = demo with
        {
            Tenants = demo.Tenants.Select(t => t.Id != "globex" ? t : t with
            {
                Pbxs = [.. t.Pbxs, new PbxSpec { Id = "globex-branch", Addresses = ["127.0.0.13"] }],
                Dids = [new DidRangeSpec { First = "+31205550200", Last = "+31205550299", Pbx = "globex-branch" }],
            }).ToList(),
        };
        var outcome = await service.ApplyAsync(moved);

        outcome.Changes.Select(c => c.Event.GetType().Name).ShouldBe(["DidRangeReleased", "PbxRegistered", "DidRangeAssigned"]);
        var log = new ProvisioningLog(_store);
        var (then, _) = await log.LoadAsync(beforeChange);
        then.DidRanges["+31205550200..+31205550299"].PbxId.ShouldBe("globex-main");
        var (now, _) = await log.LoadAsync();
        now.DidRanges["+31205550200..+31205550299"].PbxId.ShouldBe("globex-branch");
    }
}
