using Spectre.Console.Cli;

namespace CallControl.Host.Cli;

/// <summary>The billing commands of the <c>callcontrol</c> CLI (see README, "Billing").</summary>
public static class BillingCommands
{
    public static void Register(IConfigurator config)
    {
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
    }
}
