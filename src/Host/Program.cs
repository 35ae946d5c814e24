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
    config.AddBranch("tariffs", tariffs =>
    {
        tariffs.SetDescription("Tariff plans (CGRateS CSV)");
        tariffs.AddCommand<TariffsImportCommand>("import").WithDescription("Import a folder of CGRateS tariff files (idempotent)");
        tariffs.AddCommand<TariffsExportCommand>("export").WithDescription("Write the tariffs in force as CGRateS files");
    });
    config.AddCommand<RateCommand>("rate").WithDescription("What a call would cost, with the breakdown");
    config.AddBranch("report", report =>
    {
        report.SetDescription("Billing reports");
        report.AddCommand<ReportRatingCommand>("rating").WithDescription("Calls, minutes and cost by account, prefix and day");
    });
    config.AddCommand<RerateCommand>("rerate").WithDescription("Reprice rated calls with the tariffs in force; record the differences");
    config.AddCommand<AccountsCommand>("accounts").WithDescription("Account balances, now or --at an instant");
    config.AddCommand<OpenAccountCommand>("open-account").WithDescription("Open a prepaid or postpaid billing account for a tenant");
    config.AddCommand<TopUpCommand>("topup").WithDescription("Add prepaid credit to an account");
    config.AddCommand<InvoiceCommand>("invoice").WithDescription("Issue an account's invoice for a period (or the note for later re-ratings)");
    config.AddCommand<RouteCommand>("route").WithDescription("How a number would route from a PBX, now or --at an instant (dry run)");
});
var rc = await app.RunAsync(args);
// Spectre.Console.Cli reports bad arguments as -1; the house rule for bad CLI input is exit code 2.
return rc == -1 ? 2 : rc;
