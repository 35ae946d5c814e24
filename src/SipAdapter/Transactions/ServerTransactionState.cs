namespace CallControl.Sip.Transactions;

/// <summary>States of server transactions (RFC 3261 §17.2, with RFC 6026 Accepted).</summary>
public enum ServerTransactionState
{
    Trying,
    Proceeding,
    Completed,
    Accepted,
    Confirmed,
    Terminated,
}
