using System.Diagnostics;
using CallControl.Sip.Message;
using CallControl.Sip.Transactions;

namespace CallControl.Sip.Proxy;

/// <summary>OPTIONS probes the node sends on its own (gateway and PBX reachability): a non-INVITE client transaction
/// over the peer's transport through the same transports as calls, so TCP/TLS connections are shared and reused.</summary>
internal sealed partial class ProxyCore
{
    /// <summary>Owner of a probe's client transaction: completed by its final response, Timer F or a transport error.</summary>
    private sealed class OptionsProbe
    {
        public TaskCompletionSource<(int? Status, string Detail)> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public async Task<OptionsProbeResult> ProbeAsync(SipEndpoint target, TimeSpan timeout, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var callId = $"probe-{Guid.NewGuid():N}";
        var branch = NewBranch(0);
        var host = target.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{target.Address}]" : target.Address.ToString();
        var uri = target.Transport == SipTransport.Udp
            ? $"sip:{host}:{target.Port}"
            : $"sip:{host}:{target.Port};transport={TransportToken(target.Transport).ToLowerInvariant()}";
        var bytes = SipMessageBuilder.Request("OPTIONS", uri)
            .Add(SipHeaderId.Via, OwnVia(target.Transport, branch))
            .Add(SipHeaderId.MaxForwards, "70")
            .Add(SipHeaderId.From, $"<sip:cc@{HostText}>;tag={NewTag()}")
            .Add(SipHeaderId.To, $"<{uri}>")
            .Add(SipHeaderId.CallId, callId)
            .Add(SipHeaderId.CSeq, "1 OPTIONS")
            .Add(SipHeaderId.Accept, "application/sdp")
            .ToArray();

        var probe = new OptionsProbe();
        var context = await EnterAsync(callId).ConfigureAwait(false);
        try
        {
            var client = new ClientTransaction(ClientKey(branch, SipMethod.Options), branch, ParseOwn(bytes), bytes, target, context.Environment!)
            {
                Owner = probe,
                OnTimeout = _ =>
                {
                    probe.Done.TrySetResult((null, "no answer to OPTIONS (Timer F)"));
                    return Task.CompletedTask;
                },
            };
            context.ClientTransactions[client.Key] = client;
            client.Start();
            if (await Sender.SendWithReasonAsync(target, bytes).ConfigureAwait(false) is { } error)
            {
                Counters.Increment(SipCounter.TransportErrors);
                client.Terminate();
                probe.Done.TrySetResult((null, error));
            }
        }
        finally
        {
            Exit(context);
        }

        (int? Status, string Detail) outcome;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            outcome = await probe.Done.Task.WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            outcome = (null, $"no answer to OPTIONS in {timeout.TotalMilliseconds:0} ms");
            await AbandonProbeAsync(callId, ClientKey(branch, SipMethod.Options)).ConfigureAwait(false);
        }

        return new OptionsProbeResult(outcome.Status, outcome.Detail, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>The prober stopped waiting: end the transaction now rather than at Timer F, so nothing of it stays.</summary>
    private async Task AbandonProbeAsync(string callId, string clientKey)
    {
        var context = await EnterAsync(callId).ConfigureAwait(false);
        try
        {
            if (context.ClientTransactions.TryGetValue(clientKey, out var client))
            {
                client.Terminate();
            }
        }
        finally
        {
            Exit(context);
        }
    }

    private static void OnProbeResponse(OptionsProbe probe, SipMessage response)
    {
        if (response.StatusCode >= 200)
        {
            probe.Done.TrySetResult((response.StatusCode, response.ReasonPhrase));
        }
    }
}
