using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using CallControl.Sip.Message;
using CallControl.Sip.Proxy;

namespace CallControl.Tests.TestSupport;

/// <summary>A SIP party over TCP: listens for the proxy's connections and can connect to the proxy itself.
/// Answers go back on the connection a request came in on.</summary>
public sealed class TcpTestPeer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Channel<SipMessage> _incoming = Channel.CreateUnbounded<SipMessage>();
    private readonly List<SipMessage> _backlog = [];
    private readonly ConditionalWeakTable<SipMessage, NetworkStream> _origin = new();
    private readonly List<TcpClient> _clients = [];
    private readonly CancellationTokenSource _stop = new();
    private int _seq;

    public TcpTestPeer(string address)
    {
        _listener = new TcpListener(IPAddress.Parse(address), 0);
        _listener.Start();
        EndPoint = (IPEndPoint)_listener.LocalEndpoint;
        _ = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint { get; }

    public string HostPort => $"{EndPoint.Address}:{EndPoint.Port}";

    public SipEndpoint SipEndpoint => new(EndPoint.Address, EndPoint.Port, SipTransport.Tcp);

    public int AcceptedConnections { get; private set; }

    public string NewBranch() => $"z9hG4bK-tcp-{EndPoint.Port}-{Interlocked.Increment(ref _seq)}";

    /// <summary>Opens a connection to the proxy and reads from it like from accepted ones.</summary>
    public async Task<NetworkStream> ConnectAsync(SipEndpoint proxy)
    {
        var client = new TcpClient(new IPEndPoint(EndPoint.Address, 0));
        await client.ConnectAsync(proxy.Address, proxy.Port);
        lock (_clients)
        {
            _clients.Add(client);
        }

        var stream = client.GetStream();
        _ = ReadLoopAsync(stream);
        return stream;
    }

    public NetworkStream OriginOf(SipMessage message) => _origin.TryGetValue(message, out var s) ? s : throw new InvalidOperationException("unknown message");

    public static Task WriteAsync(Stream stream, string text) => stream.WriteAsync(Encoding.UTF8.GetBytes(text)).AsTask();

    public async Task<SipMessage> ExpectAsync(Func<SipMessage, bool> match, string what, TimeSpan? timeout = null)
    {
        lock (_backlog)
        {
            var index = _backlog.FindIndex(m => match(m));
            if (index >= 0)
            {
                var found = _backlog[index];
                _backlog.RemoveAt(index);
                return found;
            }
        }

        using var cts = new CancellationTokenSource(timeout ?? TestSupportWait.Default);
        try
        {
            while (true)
            {
                var message = await _incoming.Reader.ReadAsync(cts.Token);
                if (match(message))
                {
                    return message;
                }

                lock (_backlog)
                {
                    _backlog.Add(message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"TCP peer {HostPort} did not receive {what}.");
        }
    }

    public Task<SipMessage> ExpectRequestAsync(SipMethod method) => ExpectAsync(m => m.IsRequest && m.Method == method, method.ToString());

    public Task<SipMessage> ExpectResponseAsync(int status, SipMethod method = SipMethod.Invite) =>
        ExpectAsync(m => !m.IsRequest && m.StatusCode == status && m.CSeq.Method == method, $"{status} {method}");

    public Task RespondAsync(SipMessage request, int status, string reason, string toTag = "callee-tag")
    {
        var builder = SipMessageBuilder.ResponseTo(request, status, reason, toTag);
        foreach (var rr in request.GetValues(SipHeaderId.RecordRoute))
        {
            builder.Add(SipHeaderId.RecordRoute, rr);
        }

        builder.Add(SipHeaderId.Contact, $"<sip:callee@{HostPort};transport=tcp>");
        return OriginOf(request).WriteAsync(builder.ToArray()).AsTask();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_clients)
        {
            foreach (var c in _clients)
            {
                c.Dispose();
            }
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            AcceptedConnections++;
            lock (_clients)
            {
                _clients.Add(client);
            }

            _ = ReadLoopAsync(client.GetStream());
        }
    }

    private async Task ReadLoopAsync(NetworkStream stream)
    {
        var buffer = new byte[65536];
        var count = 0;
        try
        {
            while (true)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(count), _stop.Token);
                if (read == 0)
                {
                    return;
                }

                count += read;
                var pos = 0;
                while (pos < count)
                {
                    while (pos < count && buffer[pos] is (byte)'\r' or (byte)'\n')
                    {
                        pos++;
                    }

                    var data = buffer.AsMemory(pos, count - pos).ToArray();
                    if (data.Length == 0 || SipParser.Parse(data, true, SipParserOptions.Default, out var message) is not { Status: SipFrameStatus.Complete } result)
                    {
                        break;
                    }

                    _origin.Add(message!, stream);
                    _incoming.Writer.TryWrite(message!);
                    pos += result.Length;
                }

                Buffer.BlockCopy(buffer, pos, buffer, 0, count - pos);
                count -= pos;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The connection ended (closed by the proxy or by disposing this peer): nothing more to read.
            Closed++;
        }
    }

    /// <summary>Connections whose reading ended with an error or cancellation.</summary>
    public int Closed { get; private set; }
}
