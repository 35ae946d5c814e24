using CallControl.Sip.Message;
using CallControl.Sip.Proxy;

namespace CallControl.Sip.Transactions;

/// <summary>
/// Server transaction (RFC 3261 §17.2) for INVITE (§17.2.1 plus RFC 6026 Accepted state) and non-INVITE (§17.2.2).
/// Not thread-safe: every call, including timer callbacks, runs under the owning call's lock.
/// </summary>
internal sealed class ServerTransaction
{
    private readonly TransactionEnvironment _env;
    private IDisposable? _retransmitTimer;
    private IDisposable? _timeoutTimer;
    private byte[]? _lastResponse;
    private TimeSpan _interval;

    public ServerTransaction(string key, SipMessage request, SipEndpoint responseDestination, TransactionEnvironment env)
    {
        Key = key;
        Request = request;
        ResponseDestination = responseDestination;
        _env = env;
        IsInvite = request.Method == SipMethod.Invite;
        State = IsInvite ? ServerTransactionState.Proceeding : ServerTransactionState.Trying;
    }

    public string Key { get; }

    public SipMessage Request { get; }

    public SipEndpoint ResponseDestination { get; }

    public bool IsInvite { get; }

    public ServerTransactionState State { get; private set; }

    public int FinalStatus { get; private set; }

    private bool Reliable => ResponseDestination.Transport != SipTransport.Udp;

    /// <summary>A retransmission of the request arrived: answer with the last response, if any.</summary>
    public void OnRetransmission()
    {
        if (_lastResponse is not null && State is ServerTransactionState.Trying or ServerTransactionState.Proceeding or ServerTransactionState.Completed)
        {
            _env.Send(ResponseDestination, _lastResponse);
        }
    }

    public void SendProvisional(byte[] response)
    {
        if (State is ServerTransactionState.Trying or ServerTransactionState.Proceeding)
        {
            State = ServerTransactionState.Proceeding;
            _lastResponse = response;
            _env.Send(ResponseDestination, response);
        }
    }

    /// <summary>Sends a final response. In Accepted state further 2xx (retransmissions from downstream) are passed on.</summary>
    public void SendFinal(byte[] response, int statusCode)
    {
        if (State == ServerTransactionState.Accepted && statusCode is >= 200 and < 300)
        {
            _env.Send(ResponseDestination, response);
            return;
        }

        if (State is not (ServerTransactionState.Trying or ServerTransactionState.Proceeding))
        {
            return;
        }

        FinalStatus = statusCode;
        _lastResponse = response;
        var timers = _env.Timers;
        if (!IsInvite)
        {
            State = ServerTransactionState.Completed;
            _timeoutTimer = _env.Schedule(Reliable ? TimeSpan.Zero : timers.TimerJ, TerminateAsync);
        }
        else if (statusCode is >= 200 and < 300)
        {
            State = ServerTransactionState.Accepted;
            _timeoutTimer = _env.Schedule(timers.TimerL, TerminateAsync);
        }
        else
        {
            State = ServerTransactionState.Completed;
            if (!Reliable)
            {
                _interval = timers.T1;
                _retransmitTimer = _env.Schedule(_interval, OnTimerGAsync);
            }

            _timeoutTimer = _env.Schedule(timers.TimerH, TerminateAsync);
        }

        // Timers first, so whoever sees the response also sees the transaction's timers running.
        _env.Send(ResponseDestination, response);
    }

    /// <summary>ACK for a non-2xx final: returns true when it belonged to this transaction (absorbed).</summary>
    public bool OnAck()
    {
        if (State == ServerTransactionState.Completed)
        {
            State = ServerTransactionState.Confirmed;
            _retransmitTimer?.Dispose();
            _timeoutTimer?.Dispose();
            _timeoutTimer = _env.Schedule(Reliable ? TimeSpan.Zero : _env.Timers.T4, TerminateAsync);
            return true;
        }

        return State == ServerTransactionState.Confirmed;
    }

    public void Terminate()
    {
        if (State == ServerTransactionState.Terminated)
        {
            return;
        }

        State = ServerTransactionState.Terminated;
        _retransmitTimer?.Dispose();
        _timeoutTimer?.Dispose();
        _env.Terminated(this);
    }

    private Task OnTimerGAsync()
    {
        if (State == ServerTransactionState.Completed && _lastResponse is not null)
        {
            _interval = _interval * 2 < _env.Timers.T2 ? _interval * 2 : _env.Timers.T2;
            _retransmitTimer = _env.Schedule(_interval, OnTimerGAsync);
            _env.Send(ResponseDestination, _lastResponse);
        }

        return Task.CompletedTask;
    }

    private Task TerminateAsync()
    {
        Terminate();
        return Task.CompletedTask;
    }
}
