using System.Net;
using System.Security.Cryptography.X509Certificates;
using Bridge.Adapters.Modbus.Adapter;
using Bridge.Adapters.Modbus.Client;
using Bridge.Adapters.Modbus.Tests.Support;
using Bridge.Core.Adapters;
using Bridge.Core.Routing;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports.Overlay;
using Bridge.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bridge.Adapters.Modbus.Tests.Adapter;

/// <summary>
/// <c>bridge.modbus.tls</c>: the section names the PEM files, the side they start serves Modbus/TCP
/// Security, masters with a certificate of the CA are served and masters without are refused.
/// </summary>
public sealed class ModbusTlsSideTests : IDisposable
{
    private readonly TestPki _pki = new();
    private readonly TempDirectory _files = new("gridcast-modbus-tls-");

    [Fact]
    public void Validate_TlsWithRelativePaths_ResolvesThemAgainstTheFilesDirectory()
    {
        using var server = _pki.Issue("modbus-server");
        WritePem(server);

        var (bridge, errors) = ModbusBridgeConfig.Read(Yaml(port: 1802), _files.Path);

        Assert.Empty(errors);
        Assert.Equal(
            new ModbusTlsFiles(_files.Combine("certs", "server.crt"), _files.Combine("certs", "server.key"), _files.Combine("certs", "ca.crt")),
            bridge!.Adapter<ModbusSection>()!.Tls);
    }

    [Fact]
    public void Validate_TlsWithoutAuthority_SaysBothEndsNeedCertificates()
    {
        var (bridge, errors) = ModbusBridgeConfig.Read(Yaml(port: 1802).Replace("      authority: certs/ca.crt\n", string.Empty, StringComparison.Ordinal), _files.Path);

        Assert.Null(bridge);
        Assert.Equal(
            ["bridge.modbus.tls.authority: is required: Modbus/TCP Security needs the server's certificate and key and the CA of the masters' certificates"],
            errors.Select(e => e.ToString()));
    }

    [Fact]
    public void CheckEnvironment_MissingKeyFile_NamesThePath()
    {
        using var server = _pki.Issue("modbus-server");
        WritePem(server);
        File.Delete(_files.Combine("certs", "server.key"));

        var (_, errors) = ModbusBridgeConfig.Read(Yaml(port: 1802), _files.Path);

        var error = Assert.Single(errors);
        Assert.Equal("bridge.modbus.tls.key", error.Path);
        Assert.Contains(_files.Combine("certs", "server.key"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_WithTls_MasterWithACertificateWritesAndOneWithoutIsRefused()
    {
        using var serverCredentials = _pki.Issue("modbus-server");
        using var masterCredentials = _pki.Issue("head-end", role: "Operator");
        WritePem(serverCredentials);
        var port = FreePorts.Tcp();
        var (bridge, errors) = ModbusBridgeConfig.Read(Yaml(port), _files.Path);
        Assert.True(bridge is not null, string.Join('\n', errors));
        var sender = new RecordingSender();
        var context = new AdapterContext { Router = new Router(bridge.ToRoutingTable(), sender), Loggers = NullLoggerFactory.Instance };
        await using var side = await ModbusAdapterKind.Instance.StartAsync(bridge.Adapter<ModbusSection>()!, context, CancellationToken.None);
        await using var master = Client(port, masterCredentials.CreateClientOptions("localhost", TimeProvider.System));
        var anonymousOptions = masterCredentials.CreateClientOptions("localhost", TimeProvider.System);
        anonymousOptions.ClientCertificateContext = null;
        await using var anonymous = Client(port, anonymousOptions);

        await master.WriteSingleRegisterAsync(1, 100, 7);
        var refused = await Assert.ThrowsAsync<ModbusClientException>(() => anonymous.WriteSingleRegisterAsync(1, 101, 8));

        var (group, _, _) = Assert.Single(sender.Sent);
        Assert.Equal(GroupName.Parse("ham:sg:setpoints"), group);
        Assert.Contains(refused.Failure, new[] { ModbusFailure.ConnectFailed, ModbusFailure.ConnectionLost });
        Assert.Contains("Modbus/TCP Security", ModbusAdapterKind.Instance.Describe(bridge.Adapter<ModbusSection>()!), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _files.Dispose();
        _pki.Dispose();
    }

    private static ModbusTcpClient Client(int port, System.Net.Security.SslClientAuthenticationOptions tls) => new(new ModbusClientOptions
    {
        Server = new IPEndPoint(IPAddress.Loopback, port),
        Tls = tls,
        RequestTimeout = TimeSpan.FromSeconds(30),
        ConnectTimeout = TimeSpan.FromSeconds(30),
    });

    private static string Yaml(int port) => $"""
        groups:
          setpoints: {"{"} uri: "ham:sg:setpoints" {"}"}
        bridge:
          modbus:
            listen: 127.0.0.1:{port}
            units: [1]
            tls:
              certificate: certs/server.crt
              key: certs/server.key
              authority: certs/ca.crt
          rules:
            - name: setpoints
              modbus: unit=1 holding=100-103
              group: setpoints
              direction: to-group
        """;

    private void WritePem(OverlayCredentials server)
    {
        Directory.CreateDirectory(_files.Combine("certs"));
        File.WriteAllText(_files.Combine("certs", "server.crt"), server.Certificate.ExportCertificatePem());
        using var key = server.Certificate.GetECDsaPrivateKey()!;
        File.WriteAllText(_files.Combine("certs", "server.key"), key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(_files.Combine("certs", "ca.crt"), server.Authority.ExportCertificatePem());
    }
}
