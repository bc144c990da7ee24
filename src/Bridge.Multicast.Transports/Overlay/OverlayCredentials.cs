using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Bridge.Multicast.Transports.Overlay;

/// <summary>Which end of an overlay link a peer plays, and so which extended key usage its certificate needs.</summary>
public enum OverlayPeerRole
{
    /// <summary>The peer dialled us; its certificate needs the client-auth EKU (1.3.6.1.5.5.7.3.2).</summary>
    Client,

    /// <summary>We dialled the peer; its certificate needs the server-auth EKU (1.3.6.1.5.5.7.3.1).</summary>
    Server,
}

/// <summary>Why a peer certificate was refused; <see cref="None"/> when it was accepted.</summary>
public enum PeerCertificateRejection
{
    /// <summary>Accepted.</summary>
    None,

    /// <summary>The peer presented no certificate.</summary>
    NoCertificate,

    /// <summary>The certificate does not chain to the configured overlay CA.</summary>
    UnknownAuthority,

    /// <summary>The certificate's validity ended before the time of the check.</summary>
    Expired,

    /// <summary>The certificate's validity starts after the time of the check.</summary>
    NotYetValid,

    /// <summary>The certificate lacks the extended key usage its role needs, or is a CA certificate.</summary>
    WrongUsage,

    /// <summary>The certificate names a different host than the one we dialled.</summary>
    NameMismatch,

    /// <summary>The chain failed for another reason (bad signature, malformed extension).</summary>
    Invalid,
}

/// <summary>The verdict on a peer certificate: the reason and a sentence naming the certificate.</summary>
public readonly record struct PeerCertificateCheck(PeerCertificateRejection Rejection, string Detail)
{
    /// <summary>True when the certificate is accepted.</summary>
    public bool IsAccepted => Rejection == PeerCertificateRejection.None;

    /// <inheritdoc/>
    public override string ToString() => IsAccepted ? "accepted" : $"{Rejection}: {Detail}";
}

/// <summary>
/// The TLS identity of a gateway on the overlay (DESIGN.md §6, §8): its node certificate with key
/// and the one CA it trusts for peers. Peers are trusted only when their certificate chains to
/// exactly that CA (<see cref="X509ChainTrustMode.CustomRootTrust"/>; the system store is never
/// consulted) and carries the extended key usage of the role it plays, so the same node
/// certificate serves as the client and the server end of a mutually authenticated link.
/// </summary>
/// <remarks>
/// <see cref="CheckPeer"/> takes the time of the check as a parameter; the option builders take a
/// <see cref="TimeProvider"/> so tests can move the clock. Revocation is not checked: the
/// development CA publishes no CRL, and a production deployment replaces it (docs/certificates.md).
/// </remarks>
public sealed class OverlayCredentials : IDisposable
{
    /// <summary>id-kp-serverAuth, RFC 5280 §4.2.1.12.</summary>
    public const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";

    /// <summary>id-kp-clientAuth, RFC 5280 §4.2.1.12.</summary>
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    private OverlayCredentials(X509Certificate2 certificate, X509Certificate2 authority)
    {
        Certificate = certificate;
        Authority = authority;
    }

    /// <summary>This node's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The CA whose certificates are trusted as peers.</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>The subject common name of this node's certificate.</summary>
    public string Name => Certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);

    /// <summary>Uses certificates already in memory; the node certificate must hold its private key.</summary>
    public static OverlayCredentials Create(X509Certificate2 certificate, X509Certificate2 authority)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(authority);
        if (!certificate.HasPrivateKey)
        {
            throw new ArgumentException($"the node certificate {certificate.Subject} has no private key", nameof(certificate));
        }

        return new OverlayCredentials(certificate, authority);
    }

    /// <summary>
    /// Loads the node certificate and key and the trusted CA certificate from PEM files. Throws
    /// <see cref="FileNotFoundException"/> or <see cref="InvalidDataException"/> naming the file at fault.
    /// </summary>
    public static OverlayCredentials Load(string certificatePath, string keyPath, string authorityPath)
    {
        var certificate = ReadPem(certificatePath, keyPath);
        X509Certificate2? authority = null;
        try
        {
            authority = ReadPem(authorityPath, keyPath: null);
            if (!IsAuthority(authority))
            {
                throw new InvalidDataException($"{authorityPath}: {authority.Subject} is not a CA certificate (basic constraints CA:TRUE missing)");
            }

            return new OverlayCredentials(certificate, authority);
        }
        catch
        {
            certificate.Dispose();
            authority?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Decides whether <paramref name="certificate"/> may be the <paramref name="role"/> end of an
    /// overlay link at <paramref name="now"/>. The first failing check is reported, in the order
    /// CA, validity period, usage: a certificate from a stranger is "unknown CA" even if it also expired.
    /// </summary>
    public PeerCertificateCheck CheckPeer(X509Certificate? certificate, OverlayPeerRole role, DateTimeOffset now)
    {
        if (certificate is null)
        {
            return new(PeerCertificateRejection.NoCertificate, "the peer presented no certificate");
        }

        using var owned = certificate is X509Certificate2 ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        var leaf = owned ?? (X509Certificate2)certificate;
        var subject = leaf.Subject;
        var usageOid = role == OverlayPeerRole.Client ? ClientAuthOid : ServerAuthOid;

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(usageOid));
        var built = chain.Build(leaf);
        var status = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);

        const X509ChainStatusFlags StrangerFlags = X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain | X509ChainStatusFlags.NotSignatureValid;
        var root = chain.ChainElements.Count > 0 ? chain.ChainElements[^1].Certificate : null;
        if ((status & StrangerFlags) != 0 || root is null || !root.RawDataMemory.Span.SequenceEqual(Authority.RawDataMemory.Span))
        {
            return new(PeerCertificateRejection.UnknownAuthority, $"{subject} (issuer {leaf.Issuer}) is not signed by the overlay CA {Authority.Subject}");
        }

        if (now > leaf.NotAfter)
        {
            return new(PeerCertificateRejection.Expired, $"{subject} expired at {leaf.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z");
        }

        if (now < leaf.NotBefore)
        {
            return new(PeerCertificateRejection.NotYetValid, $"{subject} is not valid before {leaf.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z");
        }

        if ((status & X509ChainStatusFlags.NotTimeValid) != 0)
        {
            return new(PeerCertificateRejection.Expired, $"the overlay CA {Authority.Subject} is outside its validity period");
        }

        // A certificate without an EKU extension is good for any usage to the chain engine
        // (RFC 5280 §4.2.1.12); an overlay node must name its usage, and must not be a CA.
        if (!HasUsage(leaf, usageOid) || (status & X509ChainStatusFlags.NotValidForUsage) != 0)
        {
            var wanted = role == OverlayPeerRole.Client ? "client auth" : "server auth";
            return new(PeerCertificateRejection.WrongUsage, $"{subject} lacks the {wanted} extended key usage ({usageOid}) needed by an overlay {role.ToString().ToLowerInvariant()}");
        }

        if (IsAuthority(leaf))
        {
            return new(PeerCertificateRejection.WrongUsage, $"{subject} is a CA certificate, not a node certificate");
        }

        if (!built)
        {
            var reasons = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()));
            return new(PeerCertificateRejection.Invalid, $"{subject}: {reasons}");
        }

        return new(PeerCertificateRejection.None, $"{subject} accepted");
    }

    /// <summary>
    /// Options for accepting an overlay link: our certificate, a client certificate required and
    /// checked by <see cref="CheckPeer"/>. <paramref name="onChecked"/> hears every verdict, so
    /// the driver can log why a handshake failed.
    /// </summary>
    public SslServerAuthenticationOptions CreateServerOptions(TimeProvider time, Action<PeerCertificateCheck>? onChecked = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        return new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(Certificate, additionalCertificates: null, offline: true),
            ClientCertificateRequired = true,
            EnabledSslProtocols = SslProtocols.Tls13 | SslProtocols.Tls12,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                var check = CheckPeer(certificate, OverlayPeerRole.Client, time.GetUtcNow());
                onChecked?.Invoke(check);
                return check.IsAccepted;
            },
        };
    }

    /// <summary>
    /// Options for dialling the overlay peer <paramref name="peerName"/>: its certificate must
    /// pass <see cref="CheckPeer"/> and name <paramref name="peerName"/> (DNS or IP SAN).
    /// </summary>
    public SslClientAuthenticationOptions CreateClientOptions(string peerName, TimeProvider time, Action<PeerCertificateCheck>? onChecked = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(peerName);
        ArgumentNullException.ThrowIfNull(time);
        return new SslClientAuthenticationOptions
        {
            TargetHost = peerName,
            ClientCertificateContext = SslStreamCertificateContext.Create(Certificate, additionalCertificates: null, offline: true),
            EnabledSslProtocols = SslProtocols.Tls13 | SslProtocols.Tls12,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                var check = CheckPeer(certificate, OverlayPeerRole.Server, time.GetUtcNow());
                if (check.IsAccepted && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                {
                    check = new(PeerCertificateRejection.NameMismatch, $"{certificate!.Subject} does not name the peer {peerName}");
                }

                onChecked?.Invoke(check);
                return check.IsAccepted;
            },
        };
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Certificate.Dispose();
        Authority.Dispose();
    }

    private static bool HasUsage(X509Certificate2 certificate, string oid)
        => certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>()
            .Any(e => e.EnhancedKeyUsages.Cast<Oid>().Any(u => u.Value == oid));

    private static bool IsAuthority(X509Certificate2 certificate)
        => certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(e => e.CertificateAuthority);

    private static X509Certificate2 ReadPem(string certificatePath, string? keyPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(certificatePath);
        RequireFile(certificatePath, "certificate");
        if (keyPath is not null)
        {
            RequireFile(keyPath, "private key");
        }

        try
        {
            return keyPath is null
                ? X509Certificate2.CreateFromPem(File.ReadAllText(certificatePath))
                : X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }
        catch (CryptographicException e)
        {
            var files = keyPath is null ? certificatePath : $"{certificatePath} with key {keyPath}";
            throw new InvalidDataException($"{files}: not a PEM certificate{(keyPath is null ? string.Empty : " and matching private key")} ({e.Message})", e);
        }
        catch (ArgumentException e)
        {
            // CopyWithPrivateKey's complaint (worded for programmers, with a parameter name): the key is another certificate's.
            throw new InvalidDataException(
                keyPath is null ? $"{certificatePath}: not a PEM certificate" : $"{keyPath}: not the private key of the certificate in {certificatePath}", e);
        }
    }

    private static void RequireFile(string path, string what)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{what} file {path} does not exist", path);
        }
    }
}
