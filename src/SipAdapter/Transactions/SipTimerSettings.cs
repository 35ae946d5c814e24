namespace CallControl.Sip.Transactions;

/// <summary>RFC 3261 §17 / Table 4 timer base values, taken from validated <c>SipServerOptions</c>.</summary>
internal sealed record SipTimerSettings(TimeSpan T1, TimeSpan T2, TimeSpan T4, TimeSpan TimerC)
{
    public TimeSpan TimerB => T1 * 64;

    public TimeSpan TimerF => T1 * 64;

    public TimeSpan TimerH => T1 * 64;

    public TimeSpan TimerJ => T1 * 64;

    /// <summary>RFC 6026 Timers L and M: how long 2xx retransmissions stay matched to their INVITE transaction.</summary>
    public TimeSpan TimerL => T1 * 64;

    public TimeSpan TimerD => TimeSpan.FromSeconds(32);
}
