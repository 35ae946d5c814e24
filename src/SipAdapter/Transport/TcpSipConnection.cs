using System.Net;
using System.Net.Sockets;
using CallControl.Sip.Message;
using CallControl.Sip.Proxy;
using Microsoft.Extensions.Logging;

namespace CallControl.Sip.Transport;

/// <summary>
/// One TCP or TLS connection: a read loop that frames messages by Content-Length (limits enforced before parsing),
/// answers CRLFCRLF keep-alive pings with CRLF (RFC 5626 §3.5.1), closes on framing errors and when idle.
/// Writes are serialised.
/// </summary>
internal sealed class TcpSipConnection : IAsyncDisposable
{
    private static readonly byte[] Pong = "\r\n"u8.ToArray();

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly ISipMessageSink _sink;
    private readonly SipParserOptions _parserOptions;
    private readonly TimeSpan _idleTimeout;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _lifetime;
    private readonly Action<TcpSipConnection> _closed;
    private Task _loop = Task.CompletedTask;
    private int _disposed;

    /// <param name="stream">The socket's stream: a NetworkStream for TCP, an authenticated SslStream for TLS.</param>
    public TcpSipConnection(Socket socket, Stream stream, SipTransport transport, ISipMessageSink sink, SipParserOptions parserOptions, TimeSpan idleTimeout,
        ILogger logger, Action<TcpSipConnection> closed, CancellationToken stopping)
    {
        _socket = socket;
        _stream = stream;
        _sink = sink;
        _parserOptions = parserOptions;
        _idleTimeout = idleTimeout;
        _logger = logger;
        _closed = closed;
        _lifetime = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _lifetime.CancelAfter(idleTimeout);
        RemoteEndPoint = (IPEndPoint)socket.RemoteEndPoint!;
        Source = new SipEndpoint(RemoteEndPoint.Address, RemoteEndPoint.Port, transport);
    }

    public IPEndPoint RemoteEndPoint { get; }

    public SipEndpoint Source { get; }

    public void Start() => _loop = Task.Run(ReadLoopAsync);

    public async ValueTask<bool> SendAsync(ReadOnlyMemory<byte> data)
    {
        try
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                return false;
            }

            await _writeLock.WaitAsync(_lifetime.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            return false;
        }

        try
        {
            await _stream.WriteAsync(data, _lifetime.Token).ConfigureAwait(false);
            await _stream.FlushAsync(_lifetime.Token).ConfigureAwait(false);

            Touch();
            return true;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            _logger.LogWarning("TCP send to {Remote} failed: {Error}", RemoteEndPoint, ex.Message);
            _ = DisposeAsync().AsTask();
            return false;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _closed(this);
        await _lifetime.CancelAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
        // Called from the read loop's own finally too: then this completes after the loop does.
        await _loop.ConfigureAwait(false);
        _lifetime.Dispose();
    }

    private void Touch()
    {
        try
        {
            _lifetime.CancelAfter(_idleTimeout);
        }
        catch (ObjectDisposedException)
        {
            // closing
        }
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[Math.Min(8192, _parserOptions.MaxMessageSize)];
        var count = 0;
        var token = _lifetime.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                if (count == buffer.Length)
                {
                    // The framer rejects anything above MaxMessageSize, so growth is bounded.
                    Array.Resize(ref buffer, Math.Min(buffer.Length * 2, _parserOptions.MaxMessageSize + 1));
                }

                var read = await _stream.ReadAsync(buffer.AsMemory(count), token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                Touch();
                count += read;
                var consumed = await ProcessAsync(buffer, count).ConfigureAwait(false);
                if (consumed < 0)
                {
                    break;
                }

                if (consumed > 0)
                {
                    Buffer.BlockCopy(buffer, consumed, buffer, 0, count - consumed);
                    count -= consumed;
                }
            }
        }
        catch (OperationCanceledException)
        {
            _logger.LogDebug("TCP connection {Remote} closed (idle or stopping)", RemoteEndPoint);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
            _logger.LogDebug("TCP connection {Remote} ended: {Error}", RemoteEndPoint, ex.Message);
        }
        finally
        {
            _ = DisposeAsync().AsTask();
        }
    }

    /// <summary>Frames all complete messages in the buffer; returns bytes consumed, or -1 to close.</summary>
    private async ValueTask<int> ProcessAsync(byte[] buffer, int count)
    {
        var pos = 0;
        while (pos < count)
        {
            var span = buffer.AsSpan(pos, count - pos);
            if (span[0] is (byte)'\r' or (byte)'\n')
            {
                if (span.StartsWith("\r\n\r\n"u8))
                {
                    await SendAsync(Pong).ConfigureAwait(false);
                    pos += 4;
                    continue;
                }

                if (span.Length < 4 && "\r\n\r\n"u8.StartsWith(span))
                {
                    break; // maybe the start of a ping
                }

                pos++; // stray CRLF between messages or a pong
                continue;
            }

            var result = SipParser.Frame(span, isStream: true, _parserOptions);
            if (result.Status == SipFrameStatus.NeedMoreData)
            {
                break;
            }

            if (result.Status == SipFrameStatus.Reject)
            {
                if (_sink.OnFramingError(Source, result, span) is { } response)
                {
                    await SendAsync(response).ConfigureAwait(false);
                }

                return -1;
            }

            _sink.OnMessage(span[..result.Length].ToArray(), Source);
            pos += result.Length;
        }

        return pos;
    }
}
