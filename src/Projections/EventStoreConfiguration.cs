using CallControl.Billing.Accounts;
using CallControl.Billing.Tariffs;
using CallControl.Calls;
using CallControl.Projections.Billing;
using CallControl.Projections.Cdrs;
using CallControl.Provisioning;
using CallControl.Routing;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using NodaTime;
using NodaTime.Serialization.SystemTextJson;
using Weasel.Core;

namespace CallControl.Projections;

/// <summary>
/// The one place that says how CallControl uses Marten: string stream keys, quick appends, NodaTime
/// in JSON, every event type, and each projection with its lifecycle.
/// </summary>
public static class EventStoreConfiguration
{
    public const string DefaultSchema = "callcontrol";

    // Live limits. Declared before the lists that include them (static fields initialize in order).
    /// <summary>Limits provisioning; part of <see cref="ProvisioningEventTypes"/>, so the routing table's log follows them.</summary>
    public static readonly Type[] LimitsProvisioningEventTypes = [typeof(PbxLimitsSet), typeof(TenantLimitsSet), typeof(GatewayLimitsSet)];

    /// <summary>What a call reserved on its links, how that changed, and the limit that refused it.</summary>
    public static readonly Type[] LimitsCallEventTypes = [typeof(BandwidthReserved), typeof(BandwidthChanged), typeof(CallLimitHit),
        typeof(CallRetargeted), typeof(FailoverTargetSkipped)];

    public static readonly Type[] ProvisioningEventTypes =
    [
        typeof(TenantCreated), typeof(TenantRenamed), typeof(TenantRemoved),
        typeof(PbxRegistered), typeof(PbxChanged), typeof(PbxRemoved),
        typeof(DidRangeAssigned), typeof(DidRangeReleased),
        typeof(GatewayRegistered), typeof(GatewayChanged), typeof(GatewayRemoved),
        typeof(TenantRoutingSet), typeof(PbxRoutingSet), typeof(GatewayOptionsSet),
        typeof(DidForwardSet), typeof(DidForwardCleared),
        typeof(DialplanDefined), typeof(DialplanRemoved),
        typeof(CarrierDefined), typeof(CarrierRemoved),
        typeof(LcrRuleSet), typeof(LcrRuleRemoved),
        typeof(RoutingSettingsSet),
        typeof(CardAccessNumberAdded), typeof(CardAccessNumberRemoved),
        .. LimitsProvisioningEventTypes,
        typeof(ProvisioningDocumentApplied), typeof(ProvisioningChangeApplied),
    ];

    public static readonly Type[] CallEventTypes =
    [
        typeof(CallReceived), typeof(CallRouted), typeof(CallRejected), typeof(CallAttemptFailed),
        typeof(CallAnswered), typeof(CallFailed), typeof(CallEnded),
    ];

    /// <summary>Tariff, profile and account events: what the controller folds into its billing state (streams in
    /// <see cref="BillingStreams"/>).</summary>
    public static readonly Type[] BillingStateEventTypes =
    [
        typeof(TariffPlanImported), typeof(RatingProfileAssigned),
        typeof(AccountOpened), typeof(CreditLimitChanged),
        typeof(CallingCardIssued), typeof(CallingCardBlocked), typeof(CallingCardUnblocked),
        typeof(BalanceToppedUp), typeof(BalanceAdjusted),
        typeof(CreditReserved), typeof(CreditGrantShortened), typeof(CallCharged), typeof(ReservationReleased), typeof(CallReRated),
    ];

    /// <summary>Every billing event: the state above, the rating of a call (call stream), invoices and notes (account stream).</summary>
    public static readonly Type[] BillingEventTypes =
    [
        .. BillingStateEventTypes,
        typeof(CallRated), typeof(CallNotRated), typeof(InvoiceIssued), typeof(CreditNoteIssued),
        typeof(CardCallAdmitted),
    ];

    /// <summary>Wrong calling-card PINs per source and the locks they caused (streams <c>cardsource:&lt;source&gt;</c>).</summary>
    public static readonly Type[] CardLockoutEventTypes =
    [
        typeof(CallControl.Billing.Cards.CardPinRejected), typeof(CallControl.Billing.Cards.CardSourceLocked),
        typeof(CallControl.Billing.Cards.CardSourceUnlocked),
    ];

    /// <summary>Reachability from probing, one stream per gateway or PBX (<see cref="HealthStreams"/>).</summary>
    public static readonly Type[] HealthEventTypes =
    [
        typeof(GatewayMarkedDown), typeof(GatewayMarkedUp), typeof(PbxMarkedUnreachable), typeof(PbxMarkedReachable),
    ];

    public static void Configure(StoreOptions opts, string connectionString, string schema = DefaultSchema)
    {
        if (schema != schema.ToLowerInvariant())
            throw new ArgumentException($"The event store schema name must be lower case, got '{schema}'", nameof(schema));
        opts.Connection(connectionString);
        opts.DatabaseSchemaName = schema;
        opts.Events.DatabaseSchemaName = schema;
        opts.Events.StreamIdentity = StreamIdentity.AsString;
        // Server timestamps: correct whatever the session time zone (CRITTER-NOTES gotcha 3).
        opts.Events.AppendMode = EventAppendMode.QuickWithServerTimestamps;
        opts.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        opts.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase,
            configure: j =>
            {
                j.ConfigureForNodaTime(DateTimeZoneProviders.Tzdb);
                // Replay output is read by people: keep '+' in E.164 numbers as '+', not \u002B.
                j.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
            });
        opts.Events.AddEventTypes(ProvisioningEventTypes);
        opts.Events.AddEventTypes(CallEventTypes);
        opts.Events.AddEventTypes(LimitsCallEventTypes);
        opts.Events.AddEventTypes(HealthEventTypes);
        opts.Events.AddEventTypes(BillingEventTypes);
        opts.Events.AddEventTypes(CardLockoutEventTypes);

        // The CDR is written in the same transaction as the call's events: exactly one per call.
        opts.Projections.Add<CdrProjection>(ProjectionLifecycle.Inline);
        opts.Schema.For<Cdr>()
            .Index(x => x.CallId)
            .Index(x => x.ReceivedAt);

        // Billing read models commit with their events, like the CDR (reports and re-rating read them right away).
        opts.Projections.Add<RatedCallProjection>(ProjectionLifecycle.Inline);
        // Numeric revisions as when the rated CDR was an aggregation: existing stores keep their table as it is.
        opts.Schema.For<BillingCheckpoint>();
        opts.Schema.For<RatedCallView>().Index(x => x.StartMs).Index(x => x.AccountId).UseNumericRevisions(true);
        opts.Projections.Add<InvoiceProjection>(ProjectionLifecycle.Inline);
    }
}
