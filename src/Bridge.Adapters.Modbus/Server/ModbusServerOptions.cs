using System.Globalization;
using System.Net;
using System.Net.Security;

namespace Bridge.Adapters.Modbus.Server;

/// <summary>
/// How a <see cref="ModbusTcpServer"/> listens and what it allows; the limits are documented in
/// docs/modbus.md. <see cref="Validate"/> lists every problem at once.
/// </summary>
public sealed record ModbusServerOptions
{
    /// <summary>The Modbus TCP port (IANA "mbap").</summary>
    public const int DefaultPort = 502;

    /// <summary>The Modbus/TCP Security port (IANA "mbap-s").</summary>
    public const int DefaultSecurePort = 802;

    /// <summary>Where to listen; port 0 picks a free one (see <see cref="ModbusTcpServer.LocalEndPoint"/>).</summary>
    public IPEndPoint Endpoint { get; init; } = new(IPAddress.Loopback, DefaultPort);

    /// <summary>
    /// Connections open at once (TLS handshakes included). A connection beyond it is accepted and
    /// closed at once, counted and logged, so the master sees a closed connection rather than a hang.
    /// </summary>
    public int MaxConnections { get; init; } = 64;

    /// <summary>
    /// Requests of one connection being handled or answered at once. When a connection has this
    /// many, the server stops reading from it until one is answered: the rest wait in the TCP
    /// buffers of that connection alone, so one master flooding requests cannot take the handler
    /// from the others. 1 to 256.
    /// </summary>
    public int MaxRequestsInFlightPerConnection { get; init; } = 16;

    /// <summary>
    /// How long the handler may take before the master gets exception 0x0B (gateway target device
    /// failed to respond) instead. Must be shorter than <see cref="IdleTimeout"/>.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A connection that completes no request and takes no answer for this long is closed. Bytes
    /// of an unfinished frame do not count, so a truncated frame or a stalled master cannot hold a
    /// connection open, and neither can a master that stops reading its answers.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a TLS handshake may take.</summary>
    public TimeSpan TlsHandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Modbus/TCP Security (conventionally on port 802): TLS 1.2 or later with a client certificate
    /// required (mutual authentication); null for plain Modbus TCP. The options must set
    /// <see cref="SslServerAuthenticationOptions.ClientCertificateRequired"/> and a server
    /// certificate, and validate the client's certificate (for a GridCast node certificate and
    /// CA, <c>OverlayCredentials.CreateServerOptions</c> builds such options).
    /// </summary>
    public SslServerAuthenticationOptions? Tls { get; init; }

    /// <summary>Every problem with these options, each naming the property; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Endpoint is null)
        {
            errors.Add("Endpoint: required");
        }

        if (MaxConnections < 1)
        {
            errors.Add(Invariant($"MaxConnections: {MaxConnections} is below 1"));
        }

        if (MaxRequestsInFlightPerConnection is < 1 or > 256)
        {
            errors.Add(Invariant($"MaxRequestsInFlightPerConnection: {MaxRequestsInFlightPerConnection} is outside 1 to 256"));
        }

        if (RequestTimeout <= TimeSpan.Zero)
        {
            errors.Add(Invariant($"RequestTimeout: {RequestTimeout} is not positive"));
        }

        if (IdleTimeout <= RequestTimeout)
        {
            errors.Add(Invariant($"IdleTimeout: {IdleTimeout} must be longer than RequestTimeout ({RequestTimeout}), or a connection waiting for its handler would be closed as idle"));
        }

        if (TlsHandshakeTimeout <= TimeSpan.Zero)
        {
            errors.Add(Invariant($"TlsHandshakeTimeout: {TlsHandshakeTimeout} is not positive"));
        }

        if (Tls is { } tls)
        {
            if (!tls.ClientCertificateRequired)
            {
                errors.Add("Tls: ClientCertificateRequired must be true: Modbus/TCP Security authenticates both ends");
            }

            // SSL 2, SSL 3, TLS 1.0 and TLS 1.1 (by value: their names are obsolete); the specification requires TLS 1.2 or later.
            const int Outdated = 0x0C | 0x30 | 0xC0 | 0x300;
            if (((int)tls.EnabledSslProtocols & Outdated) != 0)
            {
                errors.Add(Invariant($"Tls: EnabledSslProtocols {tls.EnabledSslProtocols} allows a version below TLS 1.2"));
            }

            if (tls.ServerCertificate is null && tls.ServerCertificateContext is null && tls.ServerCertificateSelectionCallback is null)
            {
                errors.Add("Tls: no server certificate (ServerCertificate, ServerCertificateContext or ServerCertificateSelectionCallback)");
            }
        }

        return errors;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
