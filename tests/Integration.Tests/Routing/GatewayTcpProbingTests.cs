using System.Net;
using System.Net.Sockets;
using System.Text;
using CallControl.Host;
using CallControl.Provisioning;
using CallControl.Routing;
using CallControl.Tests.Infrastructure;
using Marten;
using Shouldly;

namespace CallControl.Tests.Routing;

/// <summary>gw-a is a TCP gateway, probed every second over TCP: down after 2 failed probes, up after 1 good one.</summary>
public sealed class GatewayTcpProbingFixture : RoutingFixture
{
    public int GwATcpPort { get; } = FreePort.Tcp(GwA);

    protected override ControllerSettings Configure(ControllerSettings settings) => settings with { ProbeTimeout = TimeSpan.FromSeconds(2) };

    public override ProvisioningDocument Document()
    {
        var document = base.Document();
        return document with
        {
            Gateways = document.Gateways.Select(g => g.Id == "gw-a"
                ? g with { Transport = "tcp", Port = GwATcpPort, Probe = new ProbeSpec { IntervalSeconds = 1, FailureThreshold = 2, RecoveryThreshold = 1 } }
                : g).ToList(),
        };
    }
}

public sealed class GatewayTcpProbingTests(GatewayTcpProbingFixture f) : IClassFixture<GatewayTcpProbingFixture>
{
    private async Task<IReadOnlyList<IHealthEvent>> HealthEventsAsync(string gatewayId)
    {
        await using var session = f.Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(HealthStreams.Gateway(gatewayId));
        return events.Select(e => (IHealthEvent)e.Data).ToList();
    }

    [Fact]
    public async Task A_tcp_gateway_is_probed_over_one_connection_marked_down_when_it_closes_and_up_when_it_is_back()
    {
        var endpoint = new IPEndPoint(RoutingFixture.GwA, f.GwATcpPort);
        var peer = OptionsPeer.Start(endpoint);
        try
        {
            // Up: every probe is answered over the connection the controller opened once.
            await Eventually.Until(() => Task.FromResult(peer.OptionsAnswered), n => n >= 3, 20_000);
            peer.AcceptedConnections.ShouldBe(1);
            (await HealthEventsAsync("gw-a")).ShouldBeEmpty();
        }
        finally
        {
            await peer.DisposeAsync(); // goes down: listener and connection closed
        }

        var events = await Eventually.Until(() => HealthEventsAsync("gw-a"), es => es.OfType<GatewayMarkedDown>().Any(), 20_000);
        var down = events.OfType<GatewayMarkedDown>().Single();
        down.Reason.ShouldContain("2 consecutive failed probe(s)");
        (down.Probe.Success, down.Probe.StatusCode).ShouldBe((false, (int?)null));
        down.Probe.Detail.ShouldContain($"TCP connect to {endpoint} failed: ConnectionRefused");
        f.Health.Current.DownGateways.ShouldContainKey("gw-a");

        // Back: a new connection, one good probe brings it up.
        await using var back = OptionsPeer.Start(endpoint);
        events = await Eventually.Until(() => HealthEventsAsync("gw-a"), es => es.OfType<GatewayMarkedUp>().Any(), 20_000);
        var up = events.OfType<GatewayMarkedUp>().Single();
        (up.Probe.Success, up.Probe.StatusCode).ShouldBe((true, (int?)200));
        f.Health.Current.DownGateways.ShouldNotContainKey("gw-a");
        back.AcceptedConnections.ShouldBe(1);
    }
}

/// <summary>A TCP SIP peer that answers every OPTIONS with 200 on the connection it came in on, and counts.</summary>
internal sealed class OptionsPeer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _accepted = [];
    private readonly Task _loop;
    private int _answered;

    private OptionsPeer(IPEndPoint endpoint)
    {
        _listener = new TcpListener(endpoint);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public static OptionsPeer Start(IPEndPoint endpoint) => new(endpoint);

    public int OptionsAnswered => Volatile.Read(ref _answered);

    public int AcceptedConnections
    {
        get { lock (_accepted) return _accepted.Count; }
    }

    private async Task AcceptLoopAsync()
    {
        var readers = new List<Task>();
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                lock (_accepted) _accepted.Add(socket);
                readers.Add(Task.Run(() => ServeAsync(socket)));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // stopped
        }
        await Task.WhenAll(readers);
    }

    private async Task ServeAsync(Socket socket)
    {
        var pending = "";
        var buffer = new byte[8192];
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0) return;
                pending += Encoding.UTF8.GetString(buffer, 0, n);
                int end;
                while ((end = pending.IndexOf("\r\n\r\n", StringComparison.Ordinal)) >= 0)
                {
                    // Probes carry no body (Content-Length: 0).
                    var request = pending[..end];
                    pending = pending[(end + 4)..];
                    if (!request.StartsWith("OPTIONS ", StringComparison.Ordinal)) continue;
                    var lines = request.Split("\r\n");
                    string Lines(string name) => string.Join("\r\n", lines.Where(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase)));
                    var reply = $"SIP/2.0 200 OK\r\n{Lines("Via")}\r\n{Lines("From")}\r\n{Lines("To")};tag=gw\r\n{Lines("Call-ID")}\r\n{Lines("CSeq")}\r\nContent-Length: 0\r\n\r\n";
                    await socket.SendAsync(Encoding.UTF8.GetBytes(reply), SocketFlags.None, _stop.Token);
                    Interlocked.Increment(ref _answered);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // stopped or closed by the controller
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_accepted)
        {
            foreach (var socket in _accepted) socket.Close();
        }
        await _loop;
        _stop.Dispose();
    }
}
