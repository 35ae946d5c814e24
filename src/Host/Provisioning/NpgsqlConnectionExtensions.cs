namespace CallControl.Host.Provisioning;

internal static class NpgsqlConnectionExtensions
{
    public static async Task<object?> ExecuteScalarAsync(this Npgsql.NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(ct);
    }
}
