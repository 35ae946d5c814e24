using System.Diagnostics;
using System.Net;
using System.Text;

namespace CallControl.Tests.Infrastructure;

/// <summary>
/// The real <c>callcontrol</c> executable (the Host build output next to the tests) run as its own process, so a
/// test can SIGKILL it. Its output is kept for failure messages.
/// </summary>
public sealed class ControllerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ControllerProcess(Process process, string httpUrl)
    {
        _process = process;
        HttpUrl = httpUrl;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string HttpUrl { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public string Output { get { lock (_output) return _output.ToString(); } }

    private static string Dll => Path.Combine(AppContext.BaseDirectory, "callcontrol.dll");

    /// <summary>Runs a CLI command of the executable to its end: exit code and everything it printed.</summary>
    public static async Task<(int ExitCode, string Output)> RunCliAsync(params string[] args)
    {
        var psi = Psi(args);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start callcontrol");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>Starts <c>callcontrol serve</c> on the schema and ports given, and waits until its HTTP API answers
    /// <c>/api/limits</c>: the live limits are rebuilt from the event store before any hosted service after them, SIP
    /// included, and before the HTTP server starts.</summary>
    public static async Task<ControllerProcess> StartAsync(string schema, int sipPort, string httpUrl, TimeSpan? ready = null)
    {
        var psi = Psi("serve", "--db", TestDatabase.ConnectionString, "--schema", schema, "--sip-address", "127.0.0.1",
            "--sip-port", sipPort.ToString(), "--http", httpUrl);
        var controller = new ControllerProcess(Process.Start(psi) ?? throw new InvalidOperationException("could not start callcontrol serve"), httpUrl);
        using var http = new HttpClient { BaseAddress = new Uri(httpUrl), Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + (ready ?? TimeSpan.FromSeconds(90));
        while (true)
        {
            if (controller.HasExited) throw new InvalidOperationException($"callcontrol serve exited at start ({controller._process.ExitCode}):\n{controller.Output}");
            try
            {
                using var response = await http.GetAsync("/api/limits");
                if (response.StatusCode == HttpStatusCode.OK) return controller;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException)
            {
                // busy starting
            }
            if (DateTime.UtcNow > deadline)
            {
                await controller.DisposeAsync();
                throw new TimeoutException($"callcontrol serve did not answer {httpUrl}/api/limits in time:\n{controller.Output}");
            }
            await Task.Delay(100);
        }
    }

    private static ProcessStartInfo Psi(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        // The test's settings only: nothing from the environment of whoever runs the tests.
        foreach (var name in new[] { "CALLCONTROL_DB", "CALLCONTROL_SCHEMA", "CALLCONTROL_HTTP", "CALLCONTROL_SIP_ADDRESS", "CALLCONTROL_SIP_PORT",
                     "CALLCONTROL_TLS_PORT", "CALLCONTROL_TLS_CERT", "CALLCONTROL_TLS_KEY", "CALLCONTROL_DNS" })
            psi.Environment.Remove(name);
        return psi;
    }

    /// <summary>SIGKILL: no shutdown code runs, nothing is flushed or ended.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: false); // SIGKILL on Linux
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}
