using CallControl.Sip.Transactions;

namespace CallControl.Sip.Proxy;

/// <summary>Keep-alive state of one party of an answered dialog: the OPTIONS in flight toward it (at most one) and
/// how many pings in a row failed. Also the owner of that OPTIONS' client transaction, so its responses end here
/// and are never relayed to the other party.</summary>
internal sealed class DialogPing(DialogParty party)
{
    /// <summary>The party this proxy pings (the other one is impersonated: its tag is the From tag).</summary>
    public DialogParty Party { get; } = party;

    public ClientTransaction? Outstanding { get; set; }

    /// <summary>Consecutive failures (408, no answer, transport error); any other final response resets it.</summary>
    public int Failures { get; set; }

    public string PartyName => Party == DialogParty.Caller ? "caller" : "callee";

    /// <summary>The party showed it is alive since this process has the dialog (always, for a dialog set up here; for one
    /// restored after a restart, once it answered a ping or sent a request). A party found gone before that may have gone
    /// while no process watched: the dialog's end was not seen.</summary>
    public bool SeenAlive { get; set; } = true;
}
