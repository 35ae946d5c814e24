using CallControl.Host.Billing;
using Marten;
using NodaTime;

namespace CallControl.Host.Cli;

/// <summary>The billing services over one document store, for one-shot CLI commands (no controller needed).</summary>
internal sealed class BillingCli : IDisposable
{
    public DocumentStore Store { get; }
    public BillingLog Log { get; }
    public BillingAdmin Admin { get; }
    public BillingQueries Queries { get; }
    public ReRatingService ReRating { get; }
    public InvoiceService Invoices { get; }

    private BillingCli(DocumentStore store)
    {
        Store = store;
        Log = new BillingLog(store);
        Admin = new BillingAdmin(store, Log, SystemClock.Instance);
        Queries = new BillingQueries(store);
        ReRating = new ReRatingService(store, Log, SystemClock.Instance);
        Invoices = new InvoiceService(Admin, Queries, Log, SystemClock.Instance);
    }

    public static async Task<BillingCli> OpenAsync(CommonSettings settings)
    {
        var store = settings.OpenStore();
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        return new BillingCli(store);
    }

    public void Dispose() => Store.Dispose();
}
