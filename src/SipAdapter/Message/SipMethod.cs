namespace CallControl.Sip.Message;

/// <summary>SIP request methods the stack knows by name; anything else is <see cref="Unknown"/>.</summary>
public enum SipMethod
{
    Unknown = 0,
    Invite,
    Ack,
    Bye,
    Cancel,
    Options,
    Register,
    Update,
    Info,
    Prack,
    Subscribe,
    Notify,
    Refer,
    Message,
    Publish,
}
