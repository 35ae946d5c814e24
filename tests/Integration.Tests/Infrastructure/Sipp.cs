using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CallControl.Tests.Infrastructure;

/// <summary>The result of one sipp run.</summary>
public sealed record SippResult(int ExitCode, string Output, string Errors)
{
    /// <summary>sipp exits 0 when every call of the scenario succeeded.</summary>
    public bool AllCallsSucceeded => ExitCode == 0;
    public override string ToString() => $"sipp exit {ExitCode}\n{Errors}\n{Output}";
}

/// <summary>
/// Runs Debian's sipp as a real SIP peer on its own loopback address. The process is killed when the
/// test is done with it, whatever happened, so no sipp outlives a test.
/// </summary>
public sealed class Sipp : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;
    private readonly StringBuilder _out = new(), _err = new();

    public IPAddress Address { get; }
    public int Port { get; }

    private Sipp(Process process, string dir, IPAddress address, int port)
    {
        _process = process;
        _dir = dir;
        Address = address;
        Port = port;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_out) _out.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_err) _err.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Starts a sipp that answers calls on <paramref name="address"/>:<paramref name="port"/>; returns once its socket is bound.</summary>
    /// <param name="runTimeout">sipp gives up (and fails) after this long, and waits this long for each expected message;
    /// default 30 s and 15 s.</param>
    public static async Task<Sipp> StartServerAsync(string scenario, IPAddress address, int port, int calls = 1, string transport = "u1", IDictionary<string, string>? replace = null,
        TimeSpan? runTimeout = null, params string[] extra)
    {
        var sipp = Start(scenario, address, port, [ "-m", calls.ToString(), .. extra ], transport, replace, runTimeout);
        // Condition, not a sleep: sipp is ready when its port is taken.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!PortTaken(address, port, transport))
        {
            if (sipp._process.HasExited) throw new InvalidOperationException($"sipp server exited at start: {sipp.Result()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"sipp server did not bind {address}:{port}");
            await Task.Delay(20);
        }
        return sipp;
    }

    /// <summary>Starts a sipp that places <paramref name="calls"/> calls to <paramref name="target"/> dialling <paramref name="service"/>.</summary>
    public static Sipp StartClient(string scenario, IPAddress address, int port, IPEndPoint target, string service, int calls = 1,
        int rate = 10, string transport = "u1", IDictionary<string, string>? replace = null, TimeSpan? runTimeout = null, params string[] extra) =>
        Start(scenario, address, port, [ $"{target.Address}:{target.Port}", "-s", service, "-m", calls.ToString(), "-r", rate.ToString(), .. extra ], transport, replace, runTimeout);

    private static Sipp Start(string scenario, IPAddress address, int port, string[] args, string transport, IDictionary<string, string>? replace, TimeSpan? runTimeout)
    {
        var dir = Directory.CreateTempSubdirectory("sipp-").FullName;
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Sipp", scenario));
        foreach (var (key, value) in replace ?? new Dictionary<string, string>()) text = text.Replace(key, value);
        var scenarioPath = Path.Combine(dir, scenario);
        File.WriteAllText(scenarioPath, text);
        var psi = new ProcessStartInfo("sipp")
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in (string[])[ .. args, "-sf", scenarioPath, "-i", address.ToString(), "-p", port.ToString(), "-t", transport,
                     "-nostdin", "-timeout", $"{(int)(runTimeout ?? TimeSpan.FromSeconds(30)).TotalSeconds}s", "-timeout_error",
                     "-recv_timeout", runTimeout is { } run ? ((long)run.TotalMilliseconds).ToString() : "15000", "-trace_err" ])
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start sipp");
        return new Sipp(process, dir, address, port);
    }

    /// <summary>Kills sipp at once (a PBX that crashed or dropped off the network: it answers nothing any more).</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>Waits for sipp to finish its calls (bounded), and returns how it went.</summary>
    public async Task<SippResult> WaitAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            return new SippResult(-1, Out(), "sipp did not finish in time and was killed\n" + Err());
        }
        return Result();
    }

    private SippResult Result()
    {
        var errors = Err();
        foreach (var file in Directory.GetFiles(_dir, "*_errors.log")) errors += File.ReadAllText(file);
        return new SippResult(_process.HasExited ? _process.ExitCode : -1, Out(), errors);
    }

    private string Out() { lock (_out) return _out.ToString(); }
    private string Err() { lock (_err) return _err.ToString(); }

    private static bool PortTaken(IPAddress address, int port, string transport)
    {
        try
        {
            using var probe = transport.StartsWith('t')
                ? new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
                : new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            probe.Bind(new IPEndPoint(address, port));
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { /* sipp may still flush a log; the temp folder is harmless */ }
    }
}

/// <summary>Free ports on a given loopback address (tests run in parallel: never a fixed port).</summary>
public static class FreePort
{
    public static int Udp(IPAddress address)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    public static int Tcp(IPAddress address)
    {
        var l = new TcpListener(address, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
