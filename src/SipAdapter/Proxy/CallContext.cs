using CallControl.Sip.Transactions;

namespace CallControl.Sip.Proxy;

/// <summary>Everything the proxy keeps for one Call-ID: transactions, the initial INVITE, the dialog. All access
/// happens while holding <see cref="Gate"/>; messages of different calls are processed in parallel.</summary>
internal sealed class CallContext(string callId)
{
    public string CallId { get; } = callId;

    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>Set when the context left the call table; a waiter that then gets the gate must look up again.</summary>
    public bool Removed { get; set; }

    public TransactionEnvironment? Environment { get; set; }

    public Dictionary<string, ServerTransaction> ServerTransactions { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, ClientTransaction> ClientTransactions { get; } = new(StringComparer.Ordinal);

    public ProxiedInvite? Invite { get; set; }

    public ProxiedDialog? Dialog { get; set; }

    /// <summary>The Call-ID topology-hidden callee legs of this call use instead of <see cref="CallId"/> (one alias per
    /// call, shared by every failover attempt), or null. Indexed in the proxy's alias table while the context lives.</summary>
    public string? CalleeCallId { get; set; }

    public bool IsIdle => ServerTransactions.Count == 0 && ClientTransactions.Count == 0 && Dialog is null &&
                          (Invite is null || Invite.Finished);

    public void OnTerminated(object transaction)
    {
        switch (transaction)
        {
            case ServerTransaction s:
                ServerTransactions.Remove(s.Key);
                if (Invite?.ServerTransaction == s)
                {
                    Invite = null;
                }

                break;
            case ClientTransaction c:
                ClientTransactions.Remove(c.Key);
                break;
        }
    }
}
