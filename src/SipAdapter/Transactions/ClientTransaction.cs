using CallControl.Sip.Message;
using CallControl.Sip.Proxy;

namespace CallControl.Sip.Transactions;

/// <summary>
/// Client transaction (RFC 3261 §17.1) for INVITE (§17.1.1, RFC 6026 Accepted) and non-INVITE (§17.1.2).
/// The owner sends the first copy of the request and then calls <see cref="Start"/>; non-2xx finals to INVITE are
/// ACKed here, hop by hop. Not thread-safe: all calls run under the owning call's lock.
/// </summary>
internal sealed class ClientTransaction
{
    private readonly TransactionEnvironment _env;
    private IDisposable? _retransmitTimer;
    private IDisposable? _timeoutTimer;
    private TimeSpan _interval;
    private byte[]? _ack;

    public ClientTransaction(string key, string branch, SipMessage request, byte[] requestBytes, SipEndpoint destination, TransactionEnvironment env)
    {
        Key = key;
        Branch = branch;
        Request = request;
        RequestBytes = requestBytes;
        Destination = destination;
        _env = env;
        IsInvite = request.Method == SipMethod.Invite;
        State = IsInvite ? ClientTransactionState.Calling : ClientTransactionState.Trying;
    }

    public string Key { get; }

    public string Branch { get; }

    public SipMessage Request { get; }

    public byte[] RequestBytes { get; }

    public SipEndpoint Destination { get; }

    public bool IsInvite { get; }

    public ClientTransactionState State { get; private set; }

    /// <summary>Called when Timer B/F fires without a final response (the TU answers 408 or fails over).</summary>
    public Func<ClientTransaction, Task>? OnTimeout { get; set; }

    /// <summary>Free slot for the owner (e.g. which target of a proxied INVITE this is).</summary>
    public object? Owner { get; set; }

    private bool Reliable => Destination.Transport != SipTransport.Udp;

    public void Start()
    {
        var timers = _env.Timers;
        if (!Reliable)
        {
            _interval = timers.T1;
            _retransmitTimer = _env.Schedule(_interval, OnRetransmitTimerAsync);
        }

        _timeoutTimer = _env.Schedule(IsInvite ? timers.TimerB : timers.TimerF, OnTimeoutTimerAsync);
    }

    /// <summary>Feeds a response; returns true when the transaction user should see it, false when absorbed.</summary>
    public bool OnResponse(SipMessage response)
    {
        var code = response.StatusCode;
        switch (State)
        {
            case ClientTransactionState.Calling or ClientTransactionState.Trying or ClientTransactionState.Proceeding:
                if (code < 200)
                {
                    if (State != ClientTransactionState.Proceeding)
                    {
                        State = ClientTransactionState.Proceeding;
                        if (IsInvite)
                        {
                            // Timer A stops on a provisional; Timer B only covers the Calling state.
                            _retransmitTimer?.Dispose();
                            _timeoutTimer?.Dispose();
                        }
                    }

                    return true;
                }

                _retransmitTimer?.Dispose();
                _timeoutTimer?.Dispose();
                if (IsInvite && code < 300)
                {
                    State = ClientTransactionState.Accepted;
                    _timeoutTimer = _env.Schedule(_env.Timers.TimerL, TerminateAsync);
                }
                else if (IsInvite)
                {
                    State = ClientTransactionState.Completed;
                    _ack = BuildAck(response);
                    _timeoutTimer = _env.Schedule(Reliable ? TimeSpan.Zero : _env.Timers.TimerD, TerminateAsync);
                    _env.Send(Destination, _ack);
                }
                else
                {
                    State = ClientTransactionState.Completed;
                    _timeoutTimer = _env.Schedule(Reliable ? TimeSpan.Zero : _env.Timers.T4, TerminateAsync);
                }

                return true;
            case ClientTransactionState.Completed:
                if (IsInvite && code >= 300 && _ack is not null)
                {
                    _env.Send(Destination, _ack);
                }

                return false;
            case ClientTransactionState.Accepted:
                return code is >= 200 and < 300;
            default:
                return false;
        }
    }

    public void Terminate()
    {
        if (State == ClientTransactionState.Terminated)
        {
            return;
        }

        State = ClientTransactionState.Terminated;
        _retransmitTimer?.Dispose();
        _timeoutTimer?.Dispose();
        _env.Terminated(this);
    }

    /// <summary>Ends the transaction after <paramref name="delay"/> unless it ends earlier (abandoned branches).</summary>
    public void TerminateAfter(TimeSpan delay)
    {
        _timeoutTimer?.Dispose();
        _timeoutTimer = _env.Schedule(delay, TerminateAsync);
    }

    /// <summary>ACK for a non-2xx final response (RFC 3261 §17.1.1.3).</summary>
    private byte[] BuildAck(SipMessage response)
    {
        var b = SipMessageBuilder.Request("ACK", Request.RequestUri)
            .Add(SipHeaderId.Via, Request.TopVia.Text);
        foreach (var route in Request.GetValues(SipHeaderId.Route))
        {
            b.Add(SipHeaderId.Route, route);
        }

        return b.Add(SipHeaderId.MaxForwards, "70")
            .Add(SipHeaderId.From, Request.GetFirst(SipHeaderId.From)!)
            .Add(SipHeaderId.To, response.GetFirst(SipHeaderId.To)!)
            .Add(SipHeaderId.CallId, Request.CallId)
            .Add(SipHeaderId.CSeq, $"{Request.CSeq.Number} ACK")
            .ToArray();
    }

    private Task OnRetransmitTimerAsync()
    {
        if (State is ClientTransactionState.Calling or ClientTransactionState.Trying or ClientTransactionState.Proceeding)
        {
            // Timer A doubles without bound (until B fires); Timer E caps at T2, and is T2 in Proceeding.
            _interval = IsInvite ? _interval * 2 : (State == ClientTransactionState.Proceeding ? _env.Timers.T2 : Min(_interval * 2, _env.Timers.T2));
            _retransmitTimer = _env.Schedule(_interval, OnRetransmitTimerAsync);
            _env.Send(Destination, RequestBytes);
        }

        return Task.CompletedTask;
    }

    private async Task OnTimeoutTimerAsync()
    {
        if (State is ClientTransactionState.Calling or ClientTransactionState.Trying or ClientTransactionState.Proceeding)
        {
            Terminate();
            if (OnTimeout is { } onTimeout)
            {
                await onTimeout(this).ConfigureAwait(false);
            }
        }
    }

    private Task TerminateAsync()
    {
        Terminate();
        return Task.CompletedTask;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
