using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using CallControl.Sip.Message;
using CallControl.Sip.Proxy;

namespace CallControl.Tests.TestSupport;

/// <summary>A minimal UDP SIP party for tests: sends text, collects parsed messages, waits with timeouts.</summary>
public sealed class TestUserAgent : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Channel<SipMessage> _incoming = Channel.CreateUnbounded<SipMessage>();
    private readonly List<SipMessage> _backlog = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _seq;

    public TestUserAgent(string address)
    {
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _loop = Task.Run(ReceiveLoopAsync);
    }

    public IPEndPoint EndPoint { get; }

    public string HostPort => $"{EndPoint.Address}:{EndPoint.Port}";

    public SipEndpoint SipEndpoint => new(EndPoint.Address, EndPoint.Port, SipTransport.Udp);

    public string Uri(string user) => $"sip:{user}@{HostPort}";

    public string NewBranch() => $"z9hG4bK-test-{EndPoint.Port}-{Interlocked.Increment(ref _seq)}";

    public async Task SendAsync(string text, SipEndpoint to) =>
        await _socket.SendToAsync(Encoding.UTF8.GetBytes(text), SocketFlags.None, new IPEndPoint(to.Address, to.Port));

    public Task SendAsync(byte[] bytes, SipEndpoint to) =>
        _socket.SendToAsync(bytes, SocketFlags.None, new IPEndPoint(to.Address, to.Port));

    /// <summary>Next message matching <paramref name="match"/>; non-matching ones stay queued for later waits.</summary>
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
            string seen;
            lock (_backlog)
            {
                seen = string.Join(" | ", _backlog.Select(m => m.IsRequest ? m.MethodName : $"{m.StatusCode} {m.CSeq.Method}"));
            }

            throw new TimeoutException($"{HostPort} did not receive {what}. Unmatched: {seen}");
        }
    }

    public Task<SipMessage> ExpectRequestAsync(SipMethod method, TimeSpan? timeout = null) =>
        ExpectAsync(m => m.IsRequest && m.Method == method, method.ToString(), timeout);

    public Task<SipMessage> ExpectResponseAsync(int status, SipMethod method = SipMethod.Invite, TimeSpan? timeout = null) =>
        ExpectAsync(m => !m.IsRequest && m.StatusCode == status && m.CSeq.Method == method, $"{status} for {method}", timeout);

    /// <summary>True when nothing matching arrives within <paramref name="window"/> (use only for short negative checks).</summary>
    public async Task<bool> NothingAsync(Func<SipMessage, bool> match, TimeSpan window)
    {
        try
        {
            await ExpectAsync(match, "nothing", window);
            return false;
        }
        catch (TimeoutException)
        {
            return true;
        }
    }

    /// <summary>Answers a received request back to where it came from (the proxy), adding a To tag and Contact.</summary>
    public Task RespondAsync(SipMessage request, int status, string reason, SipEndpoint proxy, string toTag = "callee-tag", string? body = null)
    {
        var builder = SipMessageBuilder.ResponseTo(request, status, reason, toTag);
        foreach (var rr in request.GetValues(SipHeaderId.RecordRoute))
        {
            builder.Add(SipHeaderId.RecordRoute, rr);
        }

        builder.Add(SipHeaderId.Contact, $"<sip:callee@{HostPort}>");
        if (body is not null)
        {
            builder.SetBody(Encoding.UTF8.GetBytes(body), "application/sdp");
        }

        return SendAsync(builder.ToArray(), proxy);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        // The loop handles its own cancellation and socket errors, so it always completes normally.
        await _loop;
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[65536];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult result;
            try
            {
                result = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }

                continue;
            }

            var data = buffer.AsSpan(0, result.ReceivedBytes).ToArray();
            if (SipParser.Parse(data, false, SipParserOptions.Default, out var message).Status == SipFrameStatus.Complete)
            {
                _incoming.Writer.TryWrite(message!);
            }
        }
    }
}
