using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CallControl.Tests.TestSupport;

/// <summary>Self-signed certificates made in code (no files checked in).</summary>
public static class TestCertificates
{
    /// <summary>A self-signed RSA certificate for 127.0.0.1 written as PEM certificate + PKCS#8 key files.</summary>
    public static (string CertificatePath, string KeyPath) WritePem(string directory)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=callcontrol-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        Directory.CreateDirectory(directory);
        var certificatePath = Path.Combine(directory, "sip-cert.pem");
        var keyPath = Path.Combine(directory, "sip-key.pem");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }
}
