using Spectre.Console.Cli;

namespace CallControl.Host.Cli;

/// <summary>The <c>callcontrol</c> command line: every command, and the exit-code rule.</summary>
public static class CliApp
{
    /// <summary>Registers commands. Other modules add theirs through <paramref name="extra"/> or here.</summary>
    public static CommandApp Create()
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("callcontrol");
            config.AddCommand<ServeCommand>("serve").WithDescription("Run the controller: SIP, HTTP API, event store");
            config.AddCommand<ProvisionCommand>("provision").WithDescription("Apply a provisioning document (JSON)");
            DidsCommands.Register(config);
            config.AddCommand<CdrsCommand>("cdrs").WithDescription("List call detail records");
            config.AddCommand<ReplayCommand>("replay").WithDescription("Show a call's events in order");
            config.AddBranch<CommonSettings>("calls", calls =>
            {
                calls.SetDescription("Active calls per PBX; close stale calls a crashed controller left open");
                calls.SetDefaultCommand<CallsCommand>();
                calls.AddCommand<CallsCloseCommand>("close").WithDescription("End recovered open calls (--stale-before, --call) on the running controller");
            });
            config.AddBranch<CommonSettings>("limits", limits =>
            {
                limits.SetDescription("Live calls, kbit/s and calls per second against the limits (--watch); usage history");
                limits.SetDefaultCommand<LimitsCommand>();
                limits.AddCommand<LimitsHistoryCommand>("history").WithDescription("Peak calls and kbit/s per minute of a PBX, from the CDRs");
            });
            config.AddCommand<RouteCommand>("route").WithDescription("How a number would route from a PBX, now or --at an instant (dry run)");
            BillingCommands.Register(config);
            CardCommands.Register(config);
            DevCommands.Register(config);
        });
        return app;
    }

    /// <summary>Runs the CLI. Spectre.Console.Cli reports bad arguments as -1; the house rule for bad CLI
    /// input is exit code 2.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var rc = await Create().RunAsync(args);
        return rc == -1 ? 2 : rc;
    }
}
