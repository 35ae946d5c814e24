using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using CallControl.Sip.Proxy;
using CallControl.Sip.Message;
using Microsoft.Extensions.Logging;

namespace CallControl.Sip.Transport;

/// <summary>
/// TCP (or TLS) listener and connection table. Messages toward a peer reuse the connection it opened to us (or the one
/// we opened to it), keyed by the peer's IP and port; otherwise a connection is opened. With a server certificate the
/// channel speaks TLS (RFC 3261 §26.2.1): accepted connections authenticate as server, outgoing ones as client, and
/// the same framing runs over the SslStream.
/// </summary>
internal sealed class TcpSipChannel : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly ConcurrentDictionary<IPEndPoint, TcpSipConnection> _connections = new();
    private readonly ConcurrentDictionary<IPEndPoint, Task<(TcpSipConnection? Connection, string? Error)>> _connecting = new();
    private readonly ISipMessageSink _sink;
    private readonly SipParserOptions _parserOptions;
    private readonly TimeSpan _idleTimeout;
    private readonly TimeSpan _connectTimeout;
    private readonly int _maxConnections;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly X509Certificate2? _certificate;
    private readonly bool _acceptAnyServerCertificate;
    private Task _acceptLoop = Task.CompletedTask;

    /// <param name="certificate">Server certificate with private key: the channel is TLS. Null: plain TCP.</param>
    /// <param name="acceptAnyServerCertificate">TLS client side: do not validate the peer's certificate (tests, self-signed peers).</param>
    public TcpSipChannel(IPEndPoint bindTo, ISipMessageSink sink, SipParserOptions parserOptions, TimeSpan idleTimeout, TimeSpan connectTimeout,
        int maxConnections, ILogger logger, X509Certificate2? certificate = null, bool acceptAnyServerCertificate = false)
    {
        _certificate = certificate;
        _acceptAnyServerCertificate = acceptAnyServerCertificate;
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

    public SipTransport Transport => _certificate is null ? SipTransport.Tcp : SipTransport.Tls;

    public int ConnectionCount => _connections.Count;

    public void Start() => _acceptLoop = Task.Run(AcceptLoopAsync);

    public async ValueTask<bool> SendAsync(IPEndPoint destination, ReadOnlyMemory<byte> data) =>
        await SendWithReasonAsync(destination, data).ConfigureAwait(false) is null;

    /// <summary>Sends over the open connection to <paramref name="destination"/>, connecting first when there is none.
    /// Null when sent, else why not (refused, timed out, TLS handshake failed, connection lost).</summary>
    public async ValueTask<string?> SendWithReasonAsync(IPEndPoint destination, ReadOnlyMemory<byte> data)
    {
        if (!_connections.TryGetValue(destination, out var connection))
        {
            // Concurrent sends to the same peer share one connect attempt; a finished attempt is forgotten so the
            // next send after a failure tries again.
            var attempt = _connecting.GetOrAdd(destination, ConnectAsync);
            var (connected, error) = await attempt.ConfigureAwait(false);
            _connecting.TryRemove(new KeyValuePair<IPEndPoint, Task<(TcpSipConnection? Connection, string? Error)>>(destination, attempt));
            if (connected is null)
            {
                return error;
            }

            connection = connected;
        }

        return await connection.SendAsync(data).ConfigureAwait(false) ? null : $"{Transport.ToString().ToUpperInvariant()} connection to {destination} lost while sending";
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

    private async Task<(TcpSipConnection? Connection, string? Error)> ConnectAsync(IPEndPoint destination)
    {
        var socket = new Socket(destination.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (_connections.Count >= _maxConnections)
            {
                _logger.LogWarning("TCP connection limit reached; not connecting to {Destination}", destination);
                socket.Dispose();
                return (null, $"connection limit {_maxConnections} reached");
            }

            // Outgoing connections leave from the listening address so peers see the address we advertise.
            socket.Bind(new IPEndPoint(LocalEndPoint.Address, 0));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(_connectTimeout);
            await socket.ConnectAsync(destination, timeout.Token).ConfigureAwait(false);
            Stream stream = new NetworkStream(socket, ownsSocket: false);
            if (_certificate is not null)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = destination.Address.ToString(),
                    RemoteCertificateValidationCallback = _acceptAnyServerCertificate ? (_, _, _, _) => true : null,
                }, timeout.Token).ConfigureAwait(false);
            }

            return (Register(socket, stream), null);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException or IOException or
                                       System.Security.Authentication.AuthenticationException)
        {
            var why = ex switch
            {
                _ when socket.Connected && _certificate is not null => $"TLS handshake with {destination} failed: {ex.Message}",
                SocketException se => $"{Transport.ToString().ToUpperInvariant()} connect to {destination} failed: {se.SocketErrorCode}",
                OperationCanceledException => $"{Transport.ToString().ToUpperInvariant()} connect to {destination} timed out after {_connectTimeout.TotalMilliseconds:0} ms",
                _ => $"{Transport.ToString().ToUpperInvariant()} connect to {destination} failed: {ex.Message}",
            };
            _logger.LogWarning("{Error}", why);
            socket.Dispose();
            return (null, why);
        }
    }

    private TcpSipConnection Register(Socket socket, Stream stream)
    {
        var connection = new TcpSipConnection(socket, stream, Transport, _sink, _parserOptions, _idleTimeout, _logger, Unregister, _stop.Token);
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
            if (_certificate is null)
            {
                Register(socket, new NetworkStream(socket, ownsSocket: false));
            }
            else
            {
                _ = Task.Run(() => AcceptTlsAsync(socket));
            }
        }
    }

    /// <summary>TLS handshake of an accepted connection, bounded by the connect timeout, off the accept loop.</summary>
    private async Task AcceptTlsAsync(Socket socket)
    {
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(_connectTimeout);
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = _certificate,
                ClientCertificateRequired = false,
            }, timeout.Token).ConfigureAwait(false);
            Register(socket, tls);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException or
                                       System.Security.Authentication.AuthenticationException)
        {
            _logger.LogWarning("TLS handshake with {Remote} failed: {Error}", socket.RemoteEndPoint, ex.Message);
            await tls.DisposeAsync().ConfigureAwait(false);
            socket.Dispose();
        }
    }
}
