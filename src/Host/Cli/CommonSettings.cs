using System.ComponentModel;
using CallControl.Projections;
using Marten;
using Spectre.Console.Cli;

namespace CallControl.Host.Cli;

/// <summary>Options every command shares: which event store to use.</summary>
public class CommonSettings : CommandSettings
{
    [CommandOption("--db <CONNECTION>")]
    [Description("Event store connection string (default: $CALLCONTROL_DB, else the local PostgreSQL of eventstore/)")]
    public string? Db { get; init; }

    [CommandOption("--schema <NAME>")]
    [Description("Schema of the event store (default: $CALLCONTROL_SCHEMA, else callcontrol)")]
    public string? Schema { get; init; }

    public ControllerSettings ToControllerSettings()
    {
        var defaults = new ControllerSettings();
        return defaults with { ConnectionString = Db ?? defaults.ConnectionString, Schema = Schema ?? defaults.Schema };
    }

    /// <summary>A document store for one-shot commands (no Wolverine, no SIP).</summary>
    public DocumentStore OpenStore()
    {
        var s = ToControllerSettings();
        s.Validate();
        return DocumentStore.For(opts => EventStoreConfiguration.Configure(opts, s.ConnectionString, s.Schema));
    }
}
