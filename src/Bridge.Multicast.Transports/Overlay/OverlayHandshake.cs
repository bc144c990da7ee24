using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace Bridge.Multicast.Transports.Overlay;

/// <summary>Why a TCP connect or TLS handshake of an overlay link did not produce a link.</summary>
public enum OverlayHandshakeError
{
    /// <summary>We refused the peer's certificate; <see cref="OverlayHandshakeFailure.Certificate"/> says why.</summary>
    CertificateRejected,

    /// <summary>TLS failed otherwise: the peer refused us, or spoke something that is not TLS.</summary>
    TlsFailed,

    /// <summary>The connection closed or broke during the handshake.</summary>
    ConnectionLost,

    /// <summary>The connect or handshake took longer than <see cref="OverlayLinkOptions.HandshakeTimeout"/>.</summary>
    TimedOut,

    /// <summary>The TCP connect failed (refused, no route).</summary>
    Unreachable,
}

/// <summary>A failed overlay handshake: the remote end, the classified error, our verdict on its certificate if we reached one.</summary>
public sealed record OverlayHandshakeFailure(EndPoint? Remote, OverlayHandshakeError Error, PeerCertificateCheck? Certificate, string Detail)
{
    /// <inheritdoc/>
    public override string ToString() => Certificate is { IsAccepted: false } check ? $"{Error}: {check}" : $"{Error}: {Detail}";
}

/// <summary>The outcome of one accept or dial: a link, or the failure.</summary>
public sealed record OverlayHandshakeResult
{
    /// <summary>The authenticated link; null when the handshake failed.</summary>
    public OverlayLink? Link { get; init; }

    /// <summary>Why there is no link; null when the handshake succeeded.</summary>
    public OverlayHandshakeFailure? Failure { get; init; }

    /// <summary>Whether a link was made.</summary>
    [MemberNotNullWhen(true, nameof(Link))]
    [MemberNotNullWhen(false, nameof(Failure))]
    public bool Succeeded => Link is not null;
}

/// <summary>The TLS handshake shared by listener and connector, with its failures classified.</summary>
internal static class OverlayHandshake
{
    /// <summary>
    /// Runs the server or client handshake on a connected socket (which it owns from here on) and
    /// wraps the result in a link; never throws for what the peer does.
    /// </summary>
    public static async Task<OverlayHandshakeResult> AuthenticateAsync(
        Socket socket,
        OverlayCredentials credentials,
        string? dialledName,
        OverlayLinkOptions options,
        TimeProvider time,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        var remote = socket.RemoteEndPoint;
        PeerCertificateCheck? check = null;
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        using var timeout = new CancellationTokenSource(options.HandshakeTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            if (dialledName is null)
            {
                await tls.AuthenticateAsServerAsync(credentials.CreateServerOptions(time, c => check = c), linked.Token).ConfigureAwait(false);
            }
            else
            {
                await tls.AuthenticateAsClientAsync(credentials.CreateClientOptions(dialledName, time, c => check = c), linked.Token).ConfigureAwait(false);
            }

            var peerName = CommonName(tls.RemoteCertificate);
            var link = new OverlayLink(socket, tls, peerName, remote, dialledName is null ? OverlayLinkRole.Accepted : OverlayLinkRole.Dialled, options, time, logger);
            OverlayLog.LinkUp(logger, peerName, remote?.ToString() ?? "?", link.Role.ToString());
            return new OverlayHandshakeResult { Link = link };
        }
        catch (Exception e)
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            var failure = Classify(remote, e, check, timeout.IsCancellationRequested);
            if (failure.Error == OverlayHandshakeError.CertificateRejected && check is { } rejected)
            {
                OverlayLog.HandshakeRefused(logger, remote?.ToString() ?? "?", rejected.Rejection, rejected.Detail);
            }
            else
            {
                OverlayLog.HandshakeFailed(logger, remote?.ToString() ?? "?", failure.Error, failure.Detail);
            }

            return new OverlayHandshakeResult { Failure = failure };
        }
    }

    /// <summary>Classifies a connect failure (before TLS starts).</summary>
    public static OverlayHandshakeFailure ConnectFailed(EndPoint remote, Exception error, bool timedOut, ILogger logger)
    {
        var failure = timedOut
            ? new OverlayHandshakeFailure(remote, OverlayHandshakeError.TimedOut, null, "the TCP connect timed out")
            : new OverlayHandshakeFailure(remote, OverlayHandshakeError.Unreachable, null, error is SocketException s ? $"{s.SocketErrorCode}: {s.Message}" : error.Message);
        OverlayLog.HandshakeFailed(logger, remote.ToString() ?? "?", failure.Error, failure.Detail);
        return failure;
    }

    private static OverlayHandshakeFailure Classify(EndPoint? remote, Exception e, PeerCertificateCheck? check, bool timedOut)
    {
        if (check is { IsAccepted: false } rejected)
        {
            return new(remote, OverlayHandshakeError.CertificateRejected, rejected, rejected.Detail);
        }

        return e switch
        {
            OperationCanceledException when timedOut => new(remote, OverlayHandshakeError.TimedOut, check, "the TLS handshake timed out"),
            AuthenticationException => new(remote, OverlayHandshakeError.TlsFailed, check, e.Message),
            IOException or SocketException or ObjectDisposedException => new(remote, OverlayHandshakeError.ConnectionLost, check, e.Message),
            _ => new(remote, OverlayHandshakeError.TlsFailed, check, $"{e.GetType().Name}: {e.Message}"),
        };
    }

    private static string CommonName(X509Certificate? certificate)
    {
        switch (certificate)
        {
            case X509Certificate2 full:
                return full.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
            case null:
                return "?";
            default:
                using (var loaded = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()))
                {
                    return loaded.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
                }
        }
    }
}
