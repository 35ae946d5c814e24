using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using CallControl.Sip.Message;
using Microsoft.Extensions.Logging;

namespace CallControl.Sip.Transport;

/// <summary>
/// TCP listener and connection table. Messages toward a peer reuse the connection it opened to us (or the one we
/// opened to it), keyed by the peer's IP and port; otherwise a connection is opened.
/// </summary>
internal sealed class TcpSipChannel : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly ConcurrentDictionary<IPEndPoint, TcpSipConnection> _connections = new();
    private readonly ConcurrentDictionary<IPEndPoint, Task<TcpSipConnection?>> _connecting = new();
    private readonly ISipMessageSink _sink;
    private readonly SipParserOptions _parserOptions;
    private readonly TimeSpan _idleTimeout;
    private readonly TimeSpan _connectTimeout;
    private readonly int _maxConnections;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task _acceptLoop = Task.CompletedTask;

    public TcpSipChannel(IPEndPoint bindTo, ISipMessageSink sink, SipParserOptions parserOptions, TimeSpan idleTimeout, TimeSpan connectTimeout,
        int maxConnections, ILogger logger)
    {
        _sink = sink;
        _parserOptions = parserOptions;
        _idleTimeout = idleTimeout;
        _connectTimeout = connectTimeout;
        _maxConnections = maxConnections;
        _logger = logger;
        _listener = new Socket(bindTo.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(bindTo);
        _listener.Listen(512);
        LocalEndPoint = (IPEndPoint)_listener.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }

    public int ConnectionCount => _connections.Count;

    public void Start() => _acceptLoop = Task.Run(AcceptLoopAsync);

    public async ValueTask<bool> SendAsync(IPEndPoint destination, ReadOnlyMemory<byte> data)
    {
        if (!_connections.TryGetValue(destination, out var connection))
        {
            // Concurrent sends to the same peer share one connect attempt; a finished attempt is forgotten so the
            // next send after a failure tries again.
            var attempt = _connecting.GetOrAdd(destination, ConnectAsync);
            connection = await attempt.ConfigureAwait(false);
            _connecting.TryRemove(new KeyValuePair<IPEndPoint, Task<TcpSipConnection?>>(destination, attempt));
            if (connection is null)
            {
                return false;
            }
        }

        return await connection.SendAsync(data).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        foreach (var connection in _connections.Values)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private async Task<TcpSipConnection?> ConnectAsync(IPEndPoint destination)
    {
        var socket = new Socket(destination.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (_connections.Count >= _maxConnections)
            {
                _logger.LogWarning("TCP connection limit reached; not connecting to {Destination}", destination);
                socket.Dispose();
                return null;
            }

            // Outgoing connections leave from the listening address so peers see the address we advertise.
            socket.Bind(new IPEndPoint(LocalEndPoint.Address, 0));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(_connectTimeout);
            await socket.ConnectAsync(destination, timeout.Token).ConfigureAwait(false);
            return Register(socket);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            _logger.LogWarning("TCP connect to {Destination} failed: {Error}", destination, ex.Message);
            socket.Dispose();
            return null;
        }
    }

    private TcpSipConnection Register(Socket socket)
    {
        var connection = new TcpSipConnection(socket, _sink, _parserOptions, _idleTimeout, _logger, Unregister, _stop.Token);
        _connections[connection.RemoteEndPoint] = connection;
        connection.Start();
        return connection;
    }

    private void Unregister(TcpSipConnection connection) =>
        _connections.TryRemove(new KeyValuePair<IPEndPoint, TcpSipConnection>(connection.RemoteEndPoint, connection));

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
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
                _logger.LogWarning("TCP accept failed: {Error}", ex.SocketErrorCode);
                continue;
            }

            if (_connections.Count >= _maxConnections)
            {
                _logger.LogWarning("TCP connection limit {Limit} reached; refusing {Remote}", _maxConnections, socket.RemoteEndPoint);
                socket.Dispose();
                continue;
            }

            socket.NoDelay = true;
            Register(socket);
        }
    }
}
