using Npgsql;

namespace CallControl.Tests.Infrastructure;

/// <summary>
/// One throw-away PostgreSQL database per test run, on the server CALLCONTROL_DB points at (the local
/// event store by default, which ./test starts). Dropped when the run ends.
/// </summary>
public static class TestDatabase
{
    private static readonly Lazy<string> Created = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string ConnectionString => Created.Value;

    private static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("CALLCONTROL_DB") is { Length: > 0 } cs ? cs : Host.ControllerSettings.DefaultConnectionString;

    private static string Create()
    {
        var name = $"cctest_{DateTime.UtcNow:yyyyMMddHHmmss}_{Guid.NewGuid().ToString("N")[..8]}";
        var admin = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = "postgres", Pooling = false };
        using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"create database {name}", connection);
            command.ExecuteNonQuery();
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Drop(admin.ConnectionString, name);
        return new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = name, MaxPoolSize = 40 }.ConnectionString;
    }

    private static void Drop(string adminConnectionString, string name)
    {
        try
        {
            NpgsqlConnection.ClearAllPools();
            using var connection = new NpgsqlConnection(adminConnectionString);
            connection.Open();
            using var command = new NpgsqlCommand($"drop database if exists {name} with (force)", connection);
            command.ExecuteNonQuery();
        }
        catch (NpgsqlException ex)
        {
            Console.Error.WriteLine($"Could not drop test database {name}: {ex.Message}");
        }
    }

    /// <summary>A fresh lower-case schema name for one test class.</summary>
    public static string NewSchema(string prefix) => $"{prefix.ToLowerInvariant()}_{Guid.NewGuid().ToString("N")[..8]}";
}
