using CallControl.Host.Calls;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CallControl.Host.Cli;

/// <summary><c>callcontrol calls</c>: active calls per PBX, as projected from the call events.</summary>
public sealed class CallsCommand : AsyncCommand<CommonSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, CommonSettings settings, CancellationToken ct)
    {
        using var store = settings.OpenStore();
        var perPbx = await new CallQueries(store).ActivePerPbxAsync(ct);
        var table = new Table().AddColumns("pbx", "active calls");
        foreach (var (pbx, count) in perPbx) table.AddRow(Markup.Escape(pbx), count.ToString());
        AnsiConsole.Write(table);
        return 0;
    }
}
