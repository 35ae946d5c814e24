namespace CallControl.Sip.Transactions;

/// <summary>States of client transactions (RFC 3261 §17.1, with RFC 6026 Accepted).</summary>
public enum ClientTransactionState
{
    Calling,
    Trying,
    Proceeding,
    Completed,
    Accepted,
    Terminated,
}
