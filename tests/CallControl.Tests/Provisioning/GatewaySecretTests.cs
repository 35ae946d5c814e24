using CallControl.Provisioning;
using NodaTime;
using Shouldly;
using Xunit;

namespace CallControl.Tests.Provisioning;

/// <summary>Gateway digest passwords are kept (the controller answers challenges with them) but never printed.</summary>
public class GatewaySecretTests
{
    private static readonly GatewayCredentials Credentials = new("acme-trunk", "s3cret", "carrier.example");

    [Fact]
    public void Masked_credentials_and_options_keep_everything_but_the_password()
    {
        Credentials.Masked().ShouldBe(new GatewayCredentials("acme-trunk", "***", "carrier.example"));
        var options = GatewayOptions.Default with { Credentials = Credentials, Prefix = "00" };
        options.Masked().ShouldBe(GatewayOptions.Default with { Credentials = Credentials.Masked(), Prefix = "00" });
        GatewayOptions.Default.Masked().ShouldBe(GatewayOptions.Default);
        Credentials.Password.ShouldBe("s3cret"); // the stored value itself is unchanged
    }

    [Fact]
    public void Nothing_that_may_end_up_in_a_log_prints_the_password()
    {
        var options = GatewayOptions.Default with { Credentials = Credentials };
        object[] printable =
        [
            Credentials,
            options,
            new GatewayOptionsSet("gw-b", options, Instant.FromUtc(2026, 11, 26, 12, 0)),
            new GatewayAuthSpec { Username = "acme-trunk", Password = "s3cret", Realm = "carrier.example" },
            new GatewaySpec { Id = "gw-b", Auth = new GatewayAuthSpec { Username = "acme-trunk", Password = "s3cret" } },
        ];
        foreach (var value in printable)
        {
            var text = value.ToString()!;
            text.ShouldNotContain("s3cret");
            text.ShouldContain("acme-trunk");
            text.ShouldContain("Password = ***");
        }
    }
}
