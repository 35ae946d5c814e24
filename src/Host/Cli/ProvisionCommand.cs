using System.ComponentModel;
using CallControl.Host.Provisioning;
using NodaTime;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CallControl.Host.Cli;

public sealed class ProvisionSettings : CommonSettings
{
    [CommandArgument(0, "<FILE>")]
    [Description("Provisioning document (JSON): the whole desired state")]
    public string File { get; init; } = "";

    [CommandOption("--dry-run")]
    [Description("Show the changes without applying them")]
    public bool DryRun { get; init; }
}

/// <summary><c>callcontrol provision FILE</c>: applies a provisioning document as events.</summary>
public sealed class ProvisionCommand : AsyncCommand<ProvisionSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ProvisionSettings settings, CancellationToken ct)
    {
        if (!System.IO.File.Exists(settings.File))
            return Exit.Usage($"provision: no such file '{settings.File}'");
        var (document, parseError) = ProvisioningJson.Parse(await System.IO.File.ReadAllTextAsync(settings.File, ct));
        if (parseError is not null) return Exit.Usage($"provision: {settings.File}: {parseError}");

        using var store = settings.OpenStore();
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var service = new ProvisioningService(store, new ProvisioningStateCache(new ProvisioningLog(store)), SystemClock.Instance);
        var outcome = await service.ApplyAsync(document, settings.DryRun, ct);
        if (!outcome.IsValid)
        {
            foreach (var error in outcome.Errors) AnsiConsole.MarkupLineInterpolated($"[red]{settings.File}: {error}[/]");
            return Exit.Usage($"provision: {outcome.Errors.Count} error(s); nothing was changed");
        }
        if (outcome.Conflict is { } conflict) return Exit.Usage($"provision: {settings.File}: {conflict}");
        var table = new Table().AddColumns("stream", "event");
        foreach (var change in outcome.Changes) table.AddRow(Markup.Escape(change.StreamKey), change.Event.GetType().Name);
        if (outcome.Changes.Count > 0) AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(settings.DryRun
            ? $"{outcome.Changes.Count} change(s) would be made (dry run)"
            : $"{outcome.Changes.Count} change(s) applied");
        return 0;
    }
}

internal static class Exit
{
    /// <summary>Bad input from the user: a message on stderr and exit code 2.</summary>
    public static int Usage(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }
}
