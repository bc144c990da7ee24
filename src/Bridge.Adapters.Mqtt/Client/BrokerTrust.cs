using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Bridge.Adapters.Mqtt.Client;

/// <summary>
/// The certificates of one TLS configuration, loaded once: the CA the broker's chain must end in
/// (or none, for the system store) and the client certificate for mutual TLS.
/// </summary>
internal sealed class BrokerTrust : IDisposable
{
    private BrokerTrust(X509Certificate2? authority, X509Certificate2? clientCertificate)
    {
        Authority = authority;
        ClientCertificate = clientCertificate;
    }

    /// <summary>The only CA trusted for the broker; null trusts the system store.</summary>
    public X509Certificate2? Authority { get; }

    /// <summary>The certificate (with its private key) shown to the broker, or null.</summary>
    public X509Certificate2? ClientCertificate { get; }

    /// <summary>Loads the files <paramref name="tls"/> names; a missing or unreadable file throws naming it.</summary>
    public static BrokerTrust Load(MqttTlsSettings? tls)
    {
        if (tls is null)
        {
            return new BrokerTrust(null, null);
        }

        X509Certificate2? authority = null;
        try
        {
            authority = tls.CaCertificateFile is { } ca ? LoadCertificate(ca) : null;
            var client = tls.ClientCertificateFile is { } cert && tls.ClientKeyFile is { } key
                ? Describe(cert, () => X509Certificate2.CreateFromPemFile(cert, key))
                : null;
            return new BrokerTrust(authority, client);
        }
        catch
        {
            authority?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Whether the broker's certificate is acceptable. With an <see cref="Authority"/>, its chain
    /// must build to exactly that CA (the presented intermediates help, the system roots do not
    /// count) and the name must match; without one, the platform's verdict stands.
    /// </summary>
    public bool Accepts(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (Authority is null)
        {
            return errors == SslPolicyErrors.None;
        }

        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Authority);

        // A private CA for a substation LAN publishes no revocation lists.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var leaf = certificate as X509Certificate2 is null ? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()) : null;
        return chain.Build(leaf ?? (X509Certificate2)certificate);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Authority?.Dispose();
        ClientCertificate?.Dispose();
    }

    private static X509Certificate2 LoadCertificate(string path)
        => Describe(path, () =>
        {
            var text = File.ReadAllText(path);
            return text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)
                ? X509Certificate2.CreateFromPem(text)
                : X509CertificateLoader.LoadCertificateFromFile(path);
        });

    private static X509Certificate2 Describe(string path, Func<X509Certificate2> load)
    {
        try
        {
            return load();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new ArgumentException($"TLS file '{path}' cannot be read as a certificate or key: {ex.Message}", nameof(path), ex);
        }
    }
}
