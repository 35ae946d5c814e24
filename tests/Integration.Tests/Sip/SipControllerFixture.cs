using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CallControl.Host;
using CallControl.Tests.Infrastructure;

namespace CallControl.Tests.Sip;

/// <summary>The controller for the SIP scenario suite: TLS on (a self-signed certificate made here, PEM files) and a
/// short Timer C, so that a callee that never answers is given up on in seconds (the caller then gets 408).</summary>
public sealed class SipControllerFixture : ControllerFixture
{
    public static readonly TimeSpan TimerC = TimeSpan.FromSeconds(3);

    protected override ControllerSettings Configure(ControllerSettings settings)
    {
        var dir = Directory.CreateTempSubdirectory("cc-sip-tls-").FullName;
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=callcontrol-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certificatePath = Path.Combine(dir, "cert.pem");
        var keyPath = Path.Combine(dir, "key.pem");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return settings with { TlsPort = 0, TlsCertificatePath = certificatePath, TlsKeyPath = keyPath, SipTimerC = TimerC };
    }
}
