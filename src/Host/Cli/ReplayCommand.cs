using System.ComponentModel;
using CallControl.Host.Calls;
using NodaTime.Text;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CallControl.Host.Cli;

public sealed class ReplaySettings : CommonSettings
{
    [CommandArgument(0, "<CALL-ID>")]
    [Description("The SIP Call-ID of the call (or its stream key)")]
    public string CallId { get; init; } = "";
}

/// <summary><c>callcontrol replay CALL-ID</c>: the call's events in order, with their instants and data.</summary>
public sealed class ReplayCommand : AsyncCommand<ReplaySettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ReplaySettings settings, CancellationToken ct)
    {
        using var store = settings.OpenStore();
        var events = await new CallQueries(store).ReplayAsync(settings.CallId, ct);
        if (events.Count == 0) return Exit.Usage($"replay: no call with Call-ID '{settings.CallId}' was recorded");
        var table = new Table().AddColumns("stream", "#", "instant", "event", "data");
        foreach (var e in events)
            table.AddRow(Markup.Escape(e.StreamKey), e.Version.ToString(), InstantPattern.ExtendedIso.Format(e.At), e.Type, Markup.Escape(e.Data));
        AnsiConsole.Write(table);
        return 0;
    }
}
