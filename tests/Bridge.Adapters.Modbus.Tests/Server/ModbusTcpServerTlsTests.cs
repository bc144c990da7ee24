using System.Net;
using Bridge.Adapters.Modbus.Client;
using Bridge.Adapters.Modbus.Security;
using Bridge.Adapters.Modbus.Server;
using Bridge.Adapters.Modbus.Tests.Support;
using Bridge.Testing;

namespace Bridge.Adapters.Modbus.Tests.Server;

/// <summary>Modbus/TCP Security: TLS with certificates on both ends, over loopback.</summary>
public sealed class ModbusTcpServerTlsTests : IDisposable
{
    private static readonly ModbusFailure[] RefusalFailures = [ModbusFailure.ConnectFailed, ModbusFailure.ConnectionLost];
    private readonly TestPki _pki = new();

    [Fact]
    public async Task MasterWithACertificate_IsServedAndItsRoleReachesTheHandler()
    {
        using var serverCredentials = _pki.Issue("modbus-server");
        using var masterCredentials = _pki.Issue("head-end", role: "Operator");
        var bank = new RegisterBank();
        var options = new ModbusServerOptions
        {
            Endpoint = new IPEndPoint(IPAddress.Loopback, 0),
            Tls = serverCredentials.CreateServerOptions(TimeProvider.System),
        };
        await using var server = await ModbusTcpServer.StartAsync(options, bank);
        await using var client = new ModbusTcpClient(new ModbusClientOptions
        {
            Server = server.LocalEndPoint,
            Tls = masterCredentials.CreateClientOptions("localhost", TimeProvider.System),
            RequestTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(30),
        });

        var values = await client.ReadHoldingRegistersAsync(1, 10, 2);

        Assert.Equal(new ushort[] { 1010, 1011 }, values);
        var (context, _) = Assert.Single(bank.Seen);
        Assert.Equal("Operator", context.Connection.Role);
        Assert.Equal("CN=head-end", context.Connection.ClientCertificate?.Subject);
    }

    [Fact]
    public async Task CertificateWithoutRole_ServedWithNoRole()
    {
        using var serverCredentials = _pki.Issue("modbus-server");
        using var masterCredentials = _pki.Issue("plain-master");
        var bank = new RegisterBank();
        var options = new ModbusServerOptions
        {
            Endpoint = new IPEndPoint(IPAddress.Loopback, 0),
            Tls = serverCredentials.CreateServerOptions(TimeProvider.System),
        };
        await using var server = await ModbusTcpServer.StartAsync(options, bank);
        await using var client = new ModbusTcpClient(new ModbusClientOptions
        {
            Server = server.LocalEndPoint,
            Tls = masterCredentials.CreateClientOptions("localhost", TimeProvider.System),
            RequestTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(30),
        });

        await client.WriteSingleCoilAsync(1, 4, false);

        var (context, _) = Assert.Single(bank.Seen);
        Assert.Null(context.Connection.Role);
        Assert.False(bank.Coils[4]);
    }

    [Fact]
    public async Task MasterWithoutACertificate_RefusedAndCounted_OthersStillServed()
    {
        using var serverCredentials = _pki.Issue("modbus-server");
        using var masterCredentials = _pki.Issue("head-end", role: "Operator");
        var bank = new RegisterBank();
        var log = new RecordingLogger();
        var options = new ModbusServerOptions
        {
            Endpoint = new IPEndPoint(IPAddress.Loopback, 0),
            Tls = serverCredentials.CreateServerOptions(TimeProvider.System),
        };
        await using var server = await ModbusTcpServer.StartAsync(options, bank, log);
        // Checks the server as a proper master would, but has no certificate of its own to show.
        using var strangerCredentials = _pki.Issue("stranger");
        var anonymous = strangerCredentials.CreateClientOptions("localhost", TimeProvider.System);
        anonymous.ClientCertificateContext = null;
        await using var stranger = new ModbusTcpClient(new ModbusClientOptions
        {
            Server = server.LocalEndPoint,
            Tls = anonymous,
            RequestTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(30),
        });
        await using var client = new ModbusTcpClient(new ModbusClientOptions
        {
            Server = server.LocalEndPoint,
            Tls = masterCredentials.CreateClientOptions("localhost", TimeProvider.System),
            RequestTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(30),
        });

        // TLS 1.3 lets the client finish before the server has checked it: the refusal may come as a closed connection.
        var refused = await Assert.ThrowsAsync<ModbusClientException>(() => stranger.ReadCoilsAsync(1, 0, 8));
        var values = await client.ReadCoilsAsync(1, 0, 4);

        Assert.Contains(refused.Failure, RefusalFailures);
        Assert.Equal([true, false, false, true], values);
        await Eventually.TrueAsync(() => server.Counters.Closed(ModbusCloseReason.TlsHandshakeFailed) == 1, "the refused handshake was counted");
        Assert.Contains(log.Lines, static l => l.EventId == 709);
        Assert.Single(bank.Seen);
    }

    [Fact]
    public void RoleExtension_RoundTripsThroughACertificate()
    {
        using var credentials = _pki.Issue("role-check", role: "Engineer");

        Assert.Equal("Engineer", ModbusSecurityRole.TryRead(credentials.Certificate));
        Assert.Null(ModbusSecurityRole.TryRead(credentials.Authority));
    }

    public void Dispose() => _pki.Dispose();
}
