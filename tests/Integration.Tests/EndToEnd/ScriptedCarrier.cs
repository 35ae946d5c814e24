using System.Net;
using System.Net.Sockets;
using System.Text;
using CallControl.Sip.Message;

namespace CallControl.Tests.EndToEnd;

/// <summary>A carrier gateway on its own UDP socket, driven by the test: answers a new INVITE with 200 (tag
/// <c>carrier-tag</c>, itself as Contact), answers in-dialog OPTIONS and BYE with 200, and hangs up when told
/// (<see cref="HangUpAsync"/>: a BYE built from the INVITE it got, retransmitted until answered). Disposing it is a carrier
/// that vanished: nothing answers on its address any more.</summary>
internal sealed class ScriptedCarrier : IAsyncDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly IPEndPoint _local;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly TaskCompletionSource<SipMessage> _invite = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _acked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<SipMessage> _byeAnswered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<SipMessage> _byeReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _options;
    private volatile bool _forgot;

    /// <summary>From now on the carrier does not know the dialog (it restarted too): in-dialog OPTIONS get 481.</summary>
    public void Forget() => _forgot = true;

    public ScriptedCarrier(IPEndPoint local)
    {
        _local = local;
        _socket.Bind(local);
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>The INVITE the carrier answered (its Call-ID is the alias the controller gave this leg).</summary>
    public Task<SipMessage> Invite => _invite.Task;

    public Task Acked => _acked.Task;

    /// <summary>A BYE the controller sent to the carrier.</summary>
    public Task<SipMessage> ByeReceived => _byeReceived.Task;

    /// <summary>In-dialog OPTIONS (keep-alive pings) answered so far.</summary>
    public int OptionsAnswered => Volatile.Read(ref _options);

    /// <summary>Sends a BYE in the answered dialog (Call-ID alias, the INVITE's Record-Route as route set, toward its Contact)
    /// every 500 ms until a final answer comes; returns that answer.</summary>
    public async Task<SipMessage> HangUpAsync(TimeSpan timeout)
    {
        var invite = await Invite;
        var routes = invite.GetValues(SipHeaderId.RecordRoute);
        var target = invite.Contacts.Count > 0 ? invite.Contacts[0].UriText : invite.RequestUri;
        var b = SipMessageBuilder.Request("BYE", target)
            .Add(SipHeaderId.Via, $"SIP/2.0/UDP {_local};branch=z9hG4bK-carrier-bye-{Guid.NewGuid():N};rport")
            .Add(SipHeaderId.MaxForwards, "70");
        foreach (var route in routes) b.Add(SipHeaderId.Route, route);
        var bye = b.Add(SipHeaderId.From, invite.GetFirst(SipHeaderId.To) + ";tag=carrier-tag")
            .Add(SipHeaderId.To, invite.GetFirst(SipHeaderId.From)!)
            .Add(SipHeaderId.CallId, invite.CallId)
            .Add(SipHeaderId.CSeq, "1 BYE")
            .ToArray();
        var first = routes.Count > 0 && SipNameAddress.TryParse(routes[0], out var route0) ? route0.Uri : SipUri.TryParse(target, out var t) ? t : null;
        var destination = new IPEndPoint(IPAddress.Parse(first!.HostAddress), first.Port ?? 5060);
        var deadline = DateTime.UtcNow + timeout;
        while (!_byeAnswered.Task.IsCompleted && DateTime.UtcNow < deadline)
        {
            await _socket.SendToAsync(bye, SocketFlags.None, destination);
            await Task.WhenAny(_byeAnswered.Task, Task.Delay(500));
        }
        return await _byeAnswered.Task.WaitAsync(TimeSpan.FromSeconds(1));
    }

    private async Task LoopAsync()
    {
        var buffer = new byte[65535];
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested) return;
                continue;
            }
            var data = buffer.AsSpan(0, received.ReceivedBytes).ToArray();
            if (SipParser.Parse(data, false, SipParserOptions.Default, out var message).Status != SipFrameStatus.Complete || message is null) continue;
            var from = (IPEndPoint)received.RemoteEndPoint;
            if (!message.IsRequest)
            {
                if (message.CSeq.Method == SipMethod.Bye && message.StatusCode >= 200) _byeAnswered.TrySetResult(message);
                continue;
            }
            switch (message.Method)
            {
                case SipMethod.Invite when message.To.Tag is null:
                    _invite.TrySetResult(message);
                    var sdp = Encoding.ASCII.GetBytes($"v=0\r\no=carrier 1 1 IN IP4 {_local.Address}\r\ns=-\r\nc=IN IP4 {_local.Address}\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n");
                    var ok = SipMessageBuilder.ResponseTo(message, 200, "OK", "carrier-tag");
                    foreach (var rr in message.GetValues(SipHeaderId.RecordRoute)) ok.Add(SipHeaderId.RecordRoute, rr); // a UAS copies them (RFC 3261 §12.1.1)
                    await ReplyAsync(ok.Add(SipHeaderId.Contact, $"<sip:carrier@{_local}>").SetBody(sdp, "application/sdp"), from);
                    break;
                case SipMethod.Ack:
                    _acked.TrySetResult();
                    break;
                case SipMethod.Options when _forgot:
                    await ReplyAsync(SipMessageBuilder.ResponseTo(message, 481, "Call/Transaction Does Not Exist", null), from);
                    break;
                case SipMethod.Options:
                    Interlocked.Increment(ref _options);
                    await ReplyAsync(SipMessageBuilder.ResponseTo(message, 200, "OK", null), from);
                    break;
                case SipMethod.Bye:
                    _byeReceived.TrySetResult(message);
                    await ReplyAsync(SipMessageBuilder.ResponseTo(message, 200, "OK", null), from);
                    break;
                default:
                    await ReplyAsync(SipMessageBuilder.ResponseTo(message, 200, "OK", null), from);
                    break;
            }
        }
    }

    /// <summary>Responses go back where the request came from (the controller: the top Via is its own).</summary>
    private async Task ReplyAsync(SipMessageBuilder response, IPEndPoint to) => await _socket.SendToAsync(response.ToArray(), SocketFlags.None, to);

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        await _stop.CancelAsync();
        _socket.Dispose();
        try { await _loop; } catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}
