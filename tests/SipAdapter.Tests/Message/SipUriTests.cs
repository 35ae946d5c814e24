using CallControl.Sip.Message;
using Shouldly;

namespace CallControl.Tests.Message;

public class SipUriTests
{
    [Fact]
    public void Parses_full_sip_uri()
    {
        var uri = SipUri.Parse("sip:alice%20b:secret@example.com:5070;transport=tcp;lr?subject=x");
        uri.Scheme.ShouldBe("sip");
        uri.User.ShouldBe("alice b");
        uri.Password.ShouldBe("secret");
        uri.Host.ShouldBe("example.com");
        uri.Port.ShouldBe(5070);
        uri.Transport.ShouldBe("tcp");
        uri.LooseRouting.ShouldBeTrue();
        uri.Headers.ShouldBe("subject=x");
        uri.ToString().ShouldBe("sip:alice%20b:secret@example.com:5070;transport=tcp;lr?subject=x");
    }

    [Fact]
    public void Parses_ipv6_sips_and_tel()
    {
        var v6 = SipUri.Parse("sips:[2001:db8::1]:5061");
        v6.Scheme.ShouldBe("sips");
        v6.Host.ShouldBe("[2001:db8::1]");
        v6.HostAddress.ShouldBe("2001:db8::1");
        v6.Port.ShouldBe(5061);
        v6.User.ShouldBeNull();

        var tel = SipUri.Parse("tel:+31-20-555;phone-context=example.com");
        tel.Scheme.ShouldBe("tel");
        tel.User.ShouldBe("+31-20-555");
        tel.GetParameter("phone-context").ShouldBe("example.com");
    }

    [Theory]
    [InlineData("http://example.com")]
    [InlineData("sip:")]
    [InlineData("sip:@host")]
    [InlineData("sip:user@host:port")]
    [InlineData("sip:user@host:70000")]
    [InlineData("sip:user@[::zz]")]
    [InlineData("sip:user@ho st")]
    [InlineData("sip:host;=x")]
    [InlineData("nocolon")]
    public void Rejects_invalid(string text) => SipUri.TryParse(text, out _).ShouldBeFalse();

    [Theory]
    [InlineData("\"Bob \\\"B\\\"\" <sip:bob@h>;tag=1", "Bob \"B\"", "sip:bob@h", "1")]
    [InlineData("Bob <sip:bob@h;transport=udp>;tag=2", "Bob", "sip:bob@h;transport=udp", "2")]
    [InlineData("sip:bob@h;tag=3", null, "sip:bob@h", "3")]
    [InlineData("<tel:+3120>", null, "tel:+3120", null)]
    public void Parses_name_addr(string text, string? display, string uri, string? tag)
    {
        SipNameAddress.TryParse(text, out var na).ShouldBeTrue();
        na.DisplayName.ShouldBe(display);
        na.UriText.ShouldBe(uri);
        na.Tag.ShouldBe(tag);
    }
}
