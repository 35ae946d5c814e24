namespace CallControl.Sip.Proxy;

/// <summary>What <see cref="SipCounters"/> counts. Every rejection and drop has its own counter.</summary>
public enum SipCounter
{
    MessagesReceived,
    MalformedRequests,
    MalformedResponsesDropped,
    StrayResponsesDropped,
    StrayAcksDropped,
    RetransmissionsAbsorbed,
    TooManyHops,
    LoopsDetected,
    BadExtension,
    UnsupportedUriScheme,
    MethodNotAllowed,
    MethodNotImplemented,
    TransactionDoesNotExist,
    UnresolvableNextHop,
    PolicyRejections,
    PolicyErrors,
    TransportErrors,
    TcpFramingErrors,
    InvitesForwarded,
    CallsAnswered,
    CallsFailed,
    CallsEnded,
    OptionsAnswered,
    DialogPingsSent,
    DialogPingsAnswered,
    DialogPingFailures,
    DeadDialogsEnded,
}
