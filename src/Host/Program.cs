using CallControl.Host.Cli;

// Tables piped to a file or another program keep their columns instead of folding to 80.
if (Console.IsOutputRedirected) Spectre.Console.AnsiConsole.Profile.Width = 200;
return await CliApp.RunAsync(args);
