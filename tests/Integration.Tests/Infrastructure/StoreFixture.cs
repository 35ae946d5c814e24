using CallControl.Projections;
using Marten;

namespace CallControl.Tests.Infrastructure;

/// <summary>Hands out Marten stores, each on a fresh schema of the test database, so tests never see
/// each other's events. Disposes them at the end of the test class.</summary>
public sealed class StoreFixture : IAsyncLifetime
{
    private readonly List<DocumentStore> _stores = new();

    public async Task<DocumentStore> NewStoreAsync(string prefix = "store")
    {
        var store = DocumentStore.For(opts => EventStoreConfiguration.Configure(opts, TestDatabase.ConnectionString, TestDatabase.NewSchema(prefix)));
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        lock (_stores) _stores.Add(store);
        return store;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        foreach (var store in _stores) store.Dispose();
        return Task.CompletedTask;
    }
}
