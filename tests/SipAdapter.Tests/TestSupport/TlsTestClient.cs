using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using CallControl.Sip.Message;
using CallControl.Sip.Proxy;

namespace CallControl.Tests.TestSupport;

/// <summary>A SIP party that connects to the proxy over TLS (any server certificate accepted) and frames what
/// comes back on that connection.</summary>
public sealed class TlsTestClient : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly SslStream _stream;
    private readonly Channel<SipMessage> _incoming = Channel.CreateUnbounded<SipMessage>();
    private readonly List<SipMessage> _backlog = [];
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private int _seq;

    private TlsTestClient(TcpClient client, SslStream stream)
    {
        _client = client;
        _stream = stream;
        EndPoint = (IPEndPoint)client.Client.LocalEndPoint!;
    }

    public IPEndPoint EndPoint { get; }

    public string HostPort => $"{EndPoint.Address}:{EndPoint.Port}";

    public string NewBranch() => $"z9hG4bK-tls-{EndPoint.Port}-{Interlocked.Increment(ref _seq)}";

    public static async Task<TlsTestClient> ConnectAsync(string localAddress, SipEndpoint proxy)
    {
        var client = new TcpClient(new IPEndPoint(IPAddress.Parse(localAddress), 0));
        await client.ConnectAsync(proxy.Address, proxy.Port);
        var stream = new SslStream(client.GetStream(), false, (_, _, _, _) => true);
        await stream.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" });
        var peer = new TlsTestClient(client, stream);
        peer._loop = Task.Run(peer.ReadLoopAsync);
        return peer;
    }

    public Task SendAsync(string text) => _stream.WriteAsync(Encoding.UTF8.GetBytes(text)).AsTask();

    public Task SendAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask();

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
            throw new TimeoutException($"TLS client {HostPort} did not receive {what}.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _stream.DisposeAsync();
        _client.Dispose();
        await _loop;
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[65536];
        var count = 0;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var read = await _stream.ReadAsync(buffer.AsMemory(count), _stop.Token);
                if (read == 0)
                {
                    return;
                }

                count += read;
                var pos = 0;
                while (pos < count)
                {
                    if (buffer[pos] is (byte)'\r' or (byte)'\n')
                    {
                        pos++;
                        continue;
                    }

                    var result = SipParser.Frame(buffer.AsSpan(pos, count - pos), true, SipParserOptions.Default);
                    if (result.Status != SipFrameStatus.Complete)
                    {
                        break;
                    }

                    var data = buffer.AsSpan(pos, result.Length).ToArray();
                    if (SipParser.Parse(data, true, SipParserOptions.Default, out var message).Status == SipFrameStatus.Complete)
                    {
                        _incoming.Writer.TryWrite(message!);
                    }

                    pos += result.Length;
                }

                Buffer.BlockCopy(buffer, pos, buffer, 0, count - pos);
                count -= pos;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // connection closed
        }
    }
}
