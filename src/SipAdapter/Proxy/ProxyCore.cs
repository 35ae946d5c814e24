using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CallControl.Sip.Message;
using CallControl.Sip.Transactions;
using CallControl.Sip.Transport;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace CallControl.Sip.Proxy;

/// <summary>
/// Transaction-stateful, record-routing proxy core (RFC 3261 §16). Messages of one Call-ID are processed one at a
/// time under that call's lock (including timer callbacks and the awaits on <see cref="IProxyPolicy"/>), different
/// calls in parallel. Entry point: <see cref="OnMessage"/> from the transports.
/// </summary>
internal sealed partial class ProxyCore : ISipMessageSink
{
    private const string BranchPrefix = SipViaHeader.MagicCookie + "-cc";
    private const string AllowedMethods = "INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO, PRACK, REFER, NOTIFY";

    private readonly ConcurrentDictionary<string, CallContext> _calls = new(StringComparer.Ordinal);

    /// <summary>Call-ID aliases of topology-hidden callee legs (<see cref="CallContext.CalleeCallId"/>) to their context;
    /// an entry lives exactly as long as its context is in <see cref="_calls"/>.</summary>
    private readonly ConcurrentDictionary<string, CallContext> _aliases = new(StringComparer.Ordinal);
    private readonly IProxyPolicy _policy;
    private readonly IClock _clock;
    private readonly ISipScheduler _scheduler;
    private readonly ILogger _logger;
    private readonly SipParserOptions _parserOptions;
    private readonly SipTimerSettings _timers;
    private readonly string _instance = Random.Shared.Next().ToString("x8", CultureInfo.InvariantCulture);
    private readonly CancellationToken _stopping;
    private readonly TimeSpan? _maxDialogDuration;
    private readonly TimeSpan? _dialogPingInterval;
    private readonly int _dialogPingFailureLimit;
    private long _sequence;

    public ProxyCore(IProxyPolicy policy, IClock clock, ISipScheduler scheduler, ILogger logger, SipServerOptions options,
        ISipSender sender, SipCounters counters, CancellationToken stopping)
    {
        _policy = policy;
        _clock = clock;
        _scheduler = scheduler;
        _logger = logger;
        _parserOptions = options.ParserOptions;
        _timers = new SipTimerSettings(options.T1, options.T2, options.T4, options.TimerC);
        Sender = sender;
        Counters = counters;
        _stopping = stopping;
        ListenAddress = options.ListenAddress;
        _maxDialogDuration = options.MaxDialogDuration;
        _dialogPingInterval = options.DialogPingInterval;
        _dialogPingFailureLimit = options.DialogPingFailureLimit;
    }

    public SipCounters Counters { get; }

    public ISipSender Sender { get; }

    public IPAddress ListenAddress { get; }

    public int UdpPort { get; set; }

    public int? TcpPort { get; set; }

    public int? TlsPort { get; set; }

    /// <summary>Number of Call-IDs with live state (calls, and OPTIONS probes while they run); for tests and metrics.</summary>
    public int ActiveCallCount => _calls.Count;

    /// <summary>Number of Call-ID aliases of hidden callee legs in the alias table; for tests and metrics.</summary>
    public int CallIdAliasCount => _aliases.Count;

    public void OnMessage(byte[] data, SipEndpoint source)
    {
        Counters.Increment(SipCounter.MessagesReceived);
        var task = HandleAsync(data, source);
        if (!task.IsCompleted)
        {
            _ = task.ContinueWith(
                static (t, state) => ((ILogger)state!).LogError(t.Exception, "SIP message handling failed"),
                _logger, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
        else if (task.IsFaulted)
        {
            _logger.LogError(task.Exception, "SIP message handling failed");
        }
    }

    public byte[]? OnFramingError(SipEndpoint source, SipFrameResult result, ReadOnlySpan<byte> data)
    {
        Counters.Increment(SipCounter.TcpFramingErrors);
        _logger.LogWarning("Closing {Source}: framing error {Error} ({Code} {Reason}) at '{Data}'",
            source, result.Error, result.StatusCode, result.ReasonPhrase, SipLogText.Escape(data));
        if (data.StartsWith("SIP/"u8) || result.StatusCode == 0)
        {
            return null;
        }

        return RawRejection.TryBuild(data, result.StatusCode, result.ReasonPhrase, out var response) ? response : null;
    }

    private async Task HandleAsync(byte[] data, SipEndpoint source)
    {
        var result = SipParser.Parse(data, source.Transport != SipTransport.Udp, _parserOptions, out var message);
        if (result.Status != SipFrameStatus.Complete || message is null)
        {
            RejectUnparsable(data, source, result);
            return;
        }

        try
        {
            if (message.IsRequest)
            {
                await HandleRequestAsync(message, source).ConfigureAwait(false);
            }
            else
            {
                await HandleResponseAsync(message, source).ConfigureAwait(false);
            }
        }
        catch (SipMessageException ex)
        {
            if (message.IsRequest)
            {
                // The bad header may be the Via itself: answer from the raw lines, to the source address.
                Counters.Increment(SipCounter.MalformedRequests);
                _logger.LogInformation("Rejected malformed request from {Source}: {Code} {Reason} '{Data}'",
                    source, ex.StatusCode, ex.ReasonPhrase, SipLogText.Escape(data));
                if (message.Method != SipMethod.Ack && RawRejection.TryBuild(data, ex.StatusCode, ex.ReasonPhrase, out var response))
                {
                    Send(source, response);
                }
            }
            else
            {
                Counters.Increment(SipCounter.MalformedResponsesDropped);
                _logger.LogInformation("Dropped malformed response from {Source}: {Reason} '{Data}'", source, ex.ReasonPhrase, SipLogText.Escape(data));
            }
        }
    }

    private void RejectUnparsable(byte[] data, SipEndpoint source, SipFrameResult result)
    {
        if (data.AsSpan().StartsWith("SIP/"u8))
        {
            Counters.Increment(SipCounter.MalformedResponsesDropped);
            _logger.LogInformation("Dropped malformed response from {Source}: {Error} '{Data}'", source, result.Error, SipLogText.Escape(data));
            return;
        }

        Counters.Increment(SipCounter.MalformedRequests);
        _logger.LogInformation("Rejected malformed request from {Source}: {Code} {Reason} '{Data}'",
            source, result.StatusCode, result.ReasonPhrase, SipLogText.Escape(data));
        if (RawRejection.TryBuild(data, result.StatusCode, result.ReasonPhrase, out var response))
        {
            Send(source, response);
        }
    }

    /// <summary>Answers a request without creating state, counting and logging the rejection once.</summary>
    private void RejectStateless(SipMessage request, SipEndpoint source, SipCounter counter, int status, string reason,
        Action<SipMessageBuilder>? extra = null)
    {
        Counters.Increment(counter);
        _logger.LogInformation("Rejected {Method} from {Source} with {Code} {Reason}: '{Data}'",
            SipLogText.Escape(System.Text.Encoding.UTF8.GetBytes(request.MethodName)), source, status, reason, SipLogText.Escape(request.Raw.Span));
        if (request.Method == SipMethod.Ack)
        {
            return; // ACK is never answered
        }

        var builder = SipMessageBuilder.ResponseTo(request, status, reason, NewTag());
        extra?.Invoke(builder);
        Send(ResponseDestination(request, source), builder.ToArray());
    }

    // ---- call contexts -------------------------------------------------------------------------------------

    /// <summary>Enters the context of <paramref name="callId"/>, which may be the caller's Call-ID or the alias a hidden
    /// callee leg uses (messages from the carrier); creates the context for an unknown Call-ID.</summary>
    private async ValueTask<CallContext> EnterAsync(string callId)
    {
        while (true)
        {
            var context = _aliases.TryGetValue(callId, out var aliased) ? aliased : _calls.GetOrAdd(callId, static id => new CallContext(id));
            await context.Gate.WaitAsync().ConfigureAwait(false);
            if (!context.Removed)
            {
                context.Environment ??= new TransactionEnvironment(
                    _timers,
                    (delay, callback) => _scheduler.Schedule(delay, () => _ = RunOnCallAsync(context, callback)),
                    Send,
                    context.OnTerminated);
                return context;
            }

            context.Gate.Release();
        }
    }

    private void Exit(CallContext context)
    {
        if (context.IsIdle)
        {
            context.Removed = true;
            _calls.TryRemove(new KeyValuePair<string, CallContext>(context.CallId, context));
            if (context.CalleeCallId is { } alias)
            {
                _aliases.TryRemove(new KeyValuePair<string, CallContext>(alias, context));
            }
        }

        context.Gate.Release();
    }

    private async Task RunOnCallAsync(CallContext context, Func<Task> action)
    {
        await context.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            // After StopAsync timers still fire; they must not reach the policy or the (closed) sockets.
            if (!context.Removed && !_stopping.IsCancellationRequested)
            {
                await action().ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "SIP timer handling failed for call {CallId}", SipLogText.Escape(System.Text.Encoding.UTF8.GetBytes(context.CallId)));
        }
        finally
        {
            if (context.Removed)
            {
                context.Gate.Release();
            }
            else
            {
                Exit(context);
            }
        }
    }

    // ---- sending and addressing ----------------------------------------------------------------------------

    private void Send(SipEndpoint destination, byte[] data)
    {
        var task = Sender.SendAsync(destination, data);
        if (!task.IsCompleted)
        {
            _ = task.AsTask();
        }
    }

    /// <summary>Where responses to a request go (RFC 3261 §18.2.2, RFC 3581 §4): back over the same connection
    /// for streams; for UDP to the source address, and to the source port when rport was requested.</summary>
    private static SipEndpoint ResponseDestination(SipMessage request, SipEndpoint source)
    {
        if (source.Transport != SipTransport.Udp)
        {
            return source;
        }

        var via = request.TopVia;
        return via.HasRPort ? source : source with { Port = via.Port ?? 5060 };
    }

    /// <summary>Our endpoint for a transport; a transport we do not listen on falls back to TCP, then UDP.</summary>
    private SipEndpoint LocalEndpoint(SipTransport transport) => transport switch
    {
        SipTransport.Tls when TlsPort is { } tls => new SipEndpoint(ListenAddress, tls, SipTransport.Tls),
        SipTransport.Tcp or SipTransport.Tls when TcpPort is { } tcp => new SipEndpoint(ListenAddress, tcp, SipTransport.Tcp),
        _ => new SipEndpoint(ListenAddress, UdpPort, SipTransport.Udp),
    };

    private string HostText => ListenAddress.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ListenAddress}]" : ListenAddress.ToString();

    private string RecordRoute(SipTransport transport)
    {
        var local = LocalEndpoint(transport);
        return $"<sip:{HostText}:{local.Port};transport={TransportToken(local.Transport).ToLowerInvariant()};lr>";
    }

    private static string TransportToken(SipTransport transport) => transport switch
    {
        SipTransport.Tcp => "TCP",
        SipTransport.Tls => "TLS",
        _ => "UDP",
    };

    private bool IsUs(SipUri? uri)
    {
        if (uri is null || uri.Scheme == "tel" || !IPAddress.TryParse(uri.HostAddress, out var address) || !address.Equals(ListenAddress))
        {
            return false;
        }

        var port = uri.Port ?? (uri.Scheme == "sips" ? 5061 : 5060);
        return port == UdpPort || port == TcpPort || port == TlsPort;
    }

    private bool IsUs(SipViaHeader via)
    {
        var host = via.Host.Length > 1 && via.Host[0] == '[' ? via.Host[1..^1] : via.Host;
        if (!IPAddress.TryParse(host, out var address) || !address.Equals(ListenAddress))
        {
            return false;
        }

        var port = via.Port ?? 5060;
        return port == UdpPort || port == TcpPort || port == TlsPort;
    }

    /// <summary>Next hop for a SIP URI with an IP host (no DNS on the hot path).</summary>
    private static bool TryResolve(SipUri? uri, out SipEndpoint endpoint)
    {
        endpoint = default;
        if (uri is null || uri.Scheme == "tel" || !IPAddress.TryParse(uri.HostAddress, out var address))
        {
            return false;
        }

        var transport = uri.Scheme == "sips" ? SipTransport.Tls : (uri.Transport?.ToLowerInvariant()) switch
        {
            "tcp" => SipTransport.Tcp,
            "tls" => SipTransport.Tls,
            _ => SipTransport.Udp,
        };
        endpoint = new SipEndpoint(address, uri.Port ?? (transport == SipTransport.Tls ? 5061 : 5060), transport);
        return true;
    }

    private string NewBranch(uint loopHash) =>
        $"{BranchPrefix}{loopHash:x8}-{_instance}{Interlocked.Increment(ref _sequence).ToString("x", CultureInfo.InvariantCulture)}";

    /// <summary>Branch for a request forwarded statelessly (ACK for a 2xx, RFC 3261 §16.11): a function of the request, so
    /// that a retransmitted ACK goes on with the same branch and the callee recognises it as a retransmission (a UA such
    /// as sipp treats an ACK with a new branch as a new, unexpected request and drops the call).</summary>
    private string StatelessBranch(SipMessage request)
    {
        var hash = new HashCode();
        hash.Add(request.TopVia.Text, StringComparer.Ordinal);
        hash.Add(request.CallId, StringComparer.Ordinal);
        hash.Add(request.CSeq.Number);
        return $"{BranchPrefix}{LoopHash(request):x8}-{_instance}s{(uint)hash.ToHashCode():x8}";
    }

    /// <summary>The Call-ID a topology-hidden callee leg sees: 120 random bits in base32, no host part (RFC 3261 §8.1.1.4
    /// only asks for global uniqueness), registered so that the carrier's messages find the call.</summary>
    private string CalleeCallIdOf(CallContext context)
    {
        if (context.CalleeCallId is { } existing)
        {
            return existing;
        }

        Span<byte> random = stackalloc byte[15];
        while (true)
        {
            System.Security.Cryptography.RandomNumberGenerator.Fill(random);
            var alias = "cc" + Base32(random);
            if (!_calls.ContainsKey(alias) && _aliases.TryAdd(alias, context))
            {
                context.CalleeCallId = alias;
                return alias;
            }
        }
    }

    private static string Base32(ReadOnlySpan<byte> bytes)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        var chars = new char[(bytes.Length * 8 + 4) / 5];
        int buffer = 0, bits = 0, n = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                chars[n++] = alphabet[(buffer >> (bits - 5)) & 31];
                bits -= 5;
            }
        }

        if (bits > 0)
        {
            chars[n++] = alphabet[(buffer << (5 - bits)) & 31];
        }

        return new string(chars, 0, n);
    }

    private string NewTag() => $"cc{_instance}{Interlocked.Increment(ref _sequence).ToString("x", CultureInfo.InvariantCulture)}";

    /// <summary>Server transaction id (RFC 3261 §17.2.3): the top Via branch when it has the magic cookie; for RFC 2543
    /// clients (no branch, or one without the cookie) Request-URI, From tag, Call-ID, CSeq number and the top Via's
    /// sent-by, which an INVITE shares with its CANCEL and the ACK of its non-2xx answer.</summary>
    private static string TransactionId(SipMessage request)
    {
        var via = request.TopVia;
        var branch = via.Branch;
        return branch is not null && branch.StartsWith(SipViaHeader.MagicCookie, StringComparison.Ordinal)
            ? branch
            : string.Join('|', "2543", request.RequestUri, request.From.Tag, request.CallId,
                request.CSeq.Number.ToString(CultureInfo.InvariantCulture), via.SentBy, branch);
    }

    private static string ServerKey(string branch, SipMethod method) =>
        string.Concat(branch, method is SipMethod.Invite or SipMethod.Ack ? "|INVITE" : method == SipMethod.Cancel ? "|CANCEL" : "|OTHER");

    private static string ClientKey(string branch, SipMethod method) =>
        string.Concat(branch, method == SipMethod.Invite ? "|INVITE" : method == SipMethod.Cancel ? "|CANCEL" : "|OTHER");

    /// <summary>Loop detection hash (RFC 3261 §16.3 item 4, §16.6 item 8) over what makes a request unique here.</summary>
    private static uint LoopHash(SipMessage request)
    {
        var hash = new HashCode();
        hash.Add(request.RequestUri, StringComparer.Ordinal);
        hash.Add(request.CallId, StringComparer.Ordinal);
        hash.Add(request.From.Tag, StringComparer.Ordinal);
        hash.Add(request.To.Tag, StringComparer.Ordinal);
        hash.Add(request.CSeq.Number);
        foreach (var value in request.ProxyRequire)
        {
            hash.Add(value, StringComparer.Ordinal);
        }

        // HashCode is seeded per process; branches only need to be comparable within this process.
        return (uint)hash.ToHashCode();
    }

    private Instant Now => _clock.GetCurrentInstant();
}
