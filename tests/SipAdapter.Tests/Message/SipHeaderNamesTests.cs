using System.Text;
using CallControl.Sip.Message;
using Shouldly;

namespace CallControl.Tests.Message;

public class SipHeaderNamesTests
{
    [Fact]
    public void Every_known_header_is_identified_in_any_case()
    {
        foreach (var id in Enum.GetValues<SipHeaderId>().Where(i => i != SipHeaderId.Other))
        {
            var name = SipHeaderNames.LongName(id);
            SipHeaderNames.Identify(Encoding.ASCII.GetBytes(name)).ShouldBe(id, name);
            SipHeaderNames.Identify(Encoding.ASCII.GetBytes(name.ToUpperInvariant())).ShouldBe(id, name);
            SipHeaderNames.Identify(Encoding.ASCII.GetBytes(name.ToLowerInvariant())).ShouldBe(id, name);
        }
    }

    [Theory]
    [InlineData("v", SipHeaderId.Via)]
    [InlineData("F", SipHeaderId.From)]
    [InlineData("t", SipHeaderId.To)]
    [InlineData("i", SipHeaderId.CallId)]
    [InlineData("m", SipHeaderId.Contact)]
    [InlineData("L", SipHeaderId.ContentLength)]
    [InlineData("c", SipHeaderId.ContentType)]
    [InlineData("k", SipHeaderId.Supported)]
    [InlineData("s", SipHeaderId.Subject)]
    [InlineData("e", SipHeaderId.ContentEncoding)]
    [InlineData("o", SipHeaderId.Event)]
    [InlineData("r", SipHeaderId.ReferTo)]
    [InlineData("u", SipHeaderId.AllowEvents)]
    [InlineData("x", SipHeaderId.Other)]
    [InlineData("Content-Lengths", SipHeaderId.Other)]
    [InlineData("Max\rForwards", SipHeaderId.Other)]
    [InlineData("Call_ID", SipHeaderId.Other)]
    [InlineData("X-Via", SipHeaderId.Other)]
    public void Compact_forms_and_near_misses(string name, SipHeaderId id) =>
        SipHeaderNames.Identify(Encoding.ASCII.GetBytes(name)).ShouldBe(id);
}
