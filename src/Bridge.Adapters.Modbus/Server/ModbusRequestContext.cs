using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Bridge.Adapters.Modbus.Server;

/// <summary>Where a request came from, for the handler.</summary>
/// <param name="Connection">The connection it came on.</param>
/// <param name="TransactionId">The MBAP transaction id (the server copies it into the answer).</param>
/// <param name="UnitId">The MBAP unit id: which device behind this server the master addresses.</param>
/// <param name="Timeout">How long the server waits for the handler before it answers 0x0B itself.</param>
public readonly record struct ModbusRequestContext(ModbusConnectionInfo Connection, ushort TransactionId, byte UnitId, TimeSpan Timeout);

/// <summary>One master's connection to the server.</summary>
public sealed class ModbusConnectionInfo
{
    internal ModbusConnectionInfo(long id, EndPoint? remoteEndPoint, EndPoint? localEndPoint, X509Certificate2? clientCertificate, string? role)
    {
        Id = id;
        RemoteEndPoint = remoteEndPoint;
        LocalEndPoint = localEndPoint;
        ClientCertificate = clientCertificate;
        Role = role;
    }

    /// <summary>Numbers the server's connections from 1, in the order they were accepted.</summary>
    public long Id { get; }

    /// <summary>The master's address and port.</summary>
    public EndPoint? RemoteEndPoint { get; }

    /// <summary>The server's address and port.</summary>
    public EndPoint? LocalEndPoint { get; }

    /// <summary>With TLS: the certificate the master authenticated with; null without TLS.</summary>
    public X509Certificate2? ClientCertificate { get; }

    /// <summary>With TLS: the Modbus/TCP Security role in the master's certificate, or null when it has none.</summary>
    public string? Role { get; }

    /// <inheritdoc/>
    public override string ToString() => $"#{Id} {RemoteEndPoint}{(Role is null ? string.Empty : $" role {Role}")}";
}
