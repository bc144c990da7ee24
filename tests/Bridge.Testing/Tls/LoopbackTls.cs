using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Bridge.Multicast.Transports.Overlay;

namespace Bridge.Testing.Tls;

/// <summary>The outcome of one TLS handshake between two overlay nodes over loopback TCP.</summary>
public sealed record HandshakeResult(
    string? ServerSawName,
    string? ClientSawName,
    Exception? ServerError,
    Exception? ClientError,
    IReadOnlyList<PeerCertificateCheck> ServerChecks,
    IReadOnlyList<PeerCertificateCheck> ClientChecks)
{
    public bool Succeeded => ServerError is null && ClientError is null;

    public override string ToString()
        => $"server error: {ServerError?.Message ?? "none"}; client error: {ClientError?.Message ?? "none"}; "
            + $"server checks: {string.Join(", ", ServerChecks)}; client checks: {string.Join(", ", ClientChecks)}";
}

/// <summary>
/// Runs a real mutually authenticated TLS handshake with SslStream on both ends of a loopback TCP
/// connection, then one byte each way, so a rejection after the client thinks it is done (TLS 1.3
/// checks the client certificate last) shows up too.
/// </summary>
public static class LoopbackTls
{
    public static async Task<HandshakeResult> HandshakeAsync(OverlayCredentials server, OverlayCredentials client, string dialledName, TimeProvider time)
    {
        var serverChecks = new List<PeerCertificateCheck>();
        var clientChecks = new List<PeerCertificateCheck>();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var serverSide = ServeAsync(listener, server.CreateServerOptions(time, serverChecks.Add), timeout.Token);
        var clientSide = DialAsync(port, client.CreateClientOptions(dialledName, time, clientChecks.Add), timeout.Token);
        var (serverSaw, serverError) = await serverSide;
        var (clientSaw, clientError) = await clientSide;
        return new(serverSaw, clientSaw, serverError, clientError, serverChecks, clientChecks);
    }

    private static async Task<(string? Name, Exception? Error)> ServeAsync(TcpListener listener, SslServerAuthenticationOptions options, CancellationToken cancellationToken)
    {
        try
        {
            using var tcp = await listener.AcceptTcpClientAsync(cancellationToken);
            await using var tls = new SslStream(tcp.GetStream());
            await tls.AuthenticateAsServerAsync(options, cancellationToken);
            await tls.WriteAsync(new byte[] { 1 }, cancellationToken);
            await tls.FlushAsync(cancellationToken);
            await ReadOneByteAsync(tls, cancellationToken);
            return (NameOf(tls.RemoteCertificate), null);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or SocketException)
        {
            return (null, e);
        }
    }

    private static async Task<(string? Name, Exception? Error)> DialAsync(int port, SslClientAuthenticationOptions options, CancellationToken cancellationToken)
    {
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
            await using var tls = new SslStream(tcp.GetStream());
            await tls.AuthenticateAsClientAsync(options, cancellationToken);
            await ReadOneByteAsync(tls, cancellationToken);
            await tls.WriteAsync(new byte[] { 2 }, cancellationToken);
            await tls.FlushAsync(cancellationToken);
            return (NameOf(tls.RemoteCertificate), null);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or SocketException)
        {
            return (null, e);
        }
    }

    private static async Task ReadOneByteAsync(SslStream tls, CancellationToken cancellationToken)
    {
        var buffer = new byte[1];
        if (await tls.ReadAsync(buffer, cancellationToken) != 1)
        {
            throw new IOException("the peer closed the link after the handshake");
        }
    }

    private static string? NameOf(X509Certificate? certificate)
        => certificate switch
        {
            null => null,
            X509Certificate2 full => full.GetNameInfo(X509NameType.SimpleName, false),
            _ => X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()).GetNameInfo(X509NameType.SimpleName, false),
        };
}
