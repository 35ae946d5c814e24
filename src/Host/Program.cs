using CallControl.Host.Cli;
using Spectre.Console.Cli;

// Tables piped to a file or another program keep their columns instead of folding to 80.
if (Console.IsOutputRedirected) Spectre.Console.AnsiConsole.Profile.Width = 200;
var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("callcontrol");
    config.AddCommand<ServeCommand>("serve").WithDescription("Run the controller: SIP, HTTP API, event store");
    config.AddCommand<ProvisionCommand>("provision").WithDescription("Apply a provisioning document (JSON)");
    config.AddCommand<CdrsCommand>("cdrs").WithDescription("List call detail records");
    config.AddCommand<ReplayCommand>("replay").WithDescription("Show a call's events in order");
    config.AddCommand<CallsCommand>("calls").WithDescription("Active calls per PBX");
    config.AddBranch<CommonSettings>("limits", limits =>
    {
        limits.SetDescription("Live calls, kbit/s and calls per second against the limits (--watch); usage history");
        limits.SetDefaultCommand<LimitsCommand>();
        limits.AddCommand<LimitsHistoryCommand>("history").WithDescription("Peak calls and kbit/s per minute of a PBX, from the CDRs");
    });
    config.AddCommand<RouteCommand>("route").WithDescription("How a number would route from a PBX, now or --at an instant (dry run)");
});
var rc = await app.RunAsync(args);
// Spectre.Console.Cli reports bad arguments as -1; the house rule for bad CLI input is exit code 2.
return rc == -1 ? 2 : rc;
