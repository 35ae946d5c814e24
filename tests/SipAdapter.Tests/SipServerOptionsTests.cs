using System.Net;
using CallControl.Sip;
using Shouldly;

namespace CallControl.Tests;

public class SipServerOptionsTests
{
    public static TheoryData<SipServerOptions, string> Invalid => new()
    {
        { new SipServerOptions { ListenAddress = IPAddress.Any }, "ListenAddress" },
        { new SipServerOptions { UdpPort = 70000 }, "UdpPort" },
        { new SipServerOptions { TcpPort = -1 }, "TcpPort" },
        { new SipServerOptions { T1 = TimeSpan.Zero }, "T1" },
        { new SipServerOptions { T2 = TimeSpan.FromMilliseconds(100) }, "T2" },
        { new SipServerOptions { TimerC = TimeSpan.FromSeconds(-1) }, "TimerC" },
        { new SipServerOptions { MaxDialogDuration = TimeSpan.Zero }, "MaxDialogDuration" },
        { new SipServerOptions { DialogPingInterval = TimeSpan.Zero }, "DialogPingInterval" },
        { new SipServerOptions { DialogPingInterval = TimeSpan.FromHours(2) }, "DialogPingInterval" },
        { new SipServerOptions { DialogPingFailureLimit = 0 }, "DialogPingFailureLimit" },
        { new SipServerOptions { MaxMessageSize = 10 }, "MaxMessageSize" },
        { new SipServerOptions { MaxLineLength = 10 }, "MaxLineLength" },
        { new SipServerOptions { MaxHeaderCount = 1 }, "MaxHeaderCount" },
        { new SipServerOptions { MaxTcpConnections = 0 }, "MaxTcpConnections" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Bad_settings_are_named(SipServerOptions options, string setting)
    {
        var ex = Should.Throw<ArgumentException>(options.Validate);
        ex.ParamName.ShouldBe(setting);
        ex.Message.ShouldContain(setting);
    }

    [Fact]
    public void Defaults_are_valid() => new SipServerOptions().Validate();
}
