using System.Net;
using System.Net.Sockets;
using CallControl.Sip.Proxy;
using Microsoft.Extensions.Logging;

namespace CallControl.Sip.Transport;

/// <summary>One UDP socket: a single receive loop that copies each datagram and hands it to the thread pool.</summary>
internal sealed class UdpSipChannel : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly ISipMessageSink _sink;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private const int UdpBufferBytes = 4 * 1024 * 1024;

    public UdpSipChannel(IPEndPoint bindTo, ISipMessageSink sink, ILogger logger)
    {
        _sink = sink;
        _logger = logger;
        _socket = new Socket(bindTo.AddressFamily, SocketType.Dgram, ProtocolType.Udp)
        {
            // A burst of calls (or a GC pause) must queue in the kernel, not be dropped: ask for large buffers
            // (Linux caps them at net.core.rmem_max / wmem_max).
            ReceiveBufferSize = UdpBufferBytes,
            SendBufferSize = UdpBufferBytes,
        };
        _socket.Bind(bindTo);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }

    public void Start() => _loop = Task.Run(ReceiveLoopAsync);

    public async ValueTask<bool> SendAsync(IPEndPoint destination, ReadOnlyMemory<byte> data)
    {
        try
        {
            await _socket.SendToAsync(data, SocketFlags.None, destination).ConfigureAwait(false);
            return true;
        }
        catch (SocketException ex)
        {
            _logger.LogWarning("UDP send to {Destination} failed: {Error}", destination, ex.SocketErrorCode);
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = GC.AllocateUninitializedArray<byte>(65_536, pinned: true);
        EndPoint any = new IPEndPoint(LocalEndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException ex)
            {
                // ICMP errors surface here on some platforms; they must not end the loop.
                _logger.LogDebug("UDP receive error: {Error}", ex.SocketErrorCode);
                continue;
            }

            if (received.ReceivedBytes == 0 || IsKeepAlive(buffer.AsSpan(0, received.ReceivedBytes)))
            {
                continue;
            }

            var data = buffer.AsSpan(0, received.ReceivedBytes).ToArray();
            var remote = (IPEndPoint)received.RemoteEndPoint;
            var source = new SipEndpoint(remote.Address, remote.Port, SipTransport.Udp);
            ThreadPool.UnsafeQueueUserWorkItem(new Dispatch(_sink, data, source), preferLocal: false);
        }
    }

    /// <summary>CRLF keep-alives and stray padding (RFC 5626 §3.5.1 style) are ignored.</summary>
    private static bool IsKeepAlive(ReadOnlySpan<byte> data) => data.IndexOfAnyExcept((byte)'\r', (byte)'\n', (byte)0) < 0;

    private sealed class Dispatch(ISipMessageSink sink, byte[] data, SipEndpoint source) : IThreadPoolWorkItem
    {
        public void Execute() => sink.OnMessage(data, source);
    }
}
