using System.Text;
using Bridge.Adapters.Mqtt.Client;
using Bridge.Adapters.Mqtt.Rules;
using Bridge.Core.Routing;
using Bridge.Multicast;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports.Ip;
using Bridge.Testing;
using Bridge.Testing.Brokers;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bridge.Adapters.Mqtt.Tests.Client;

/// <summary>
/// The client mode's user names and TLS against a real Mosquitto with a password file and a TLS
/// listener whose certificates each test makes with its own throwaway CAs.
/// </summary>
public sealed class MqttBrokerClientSecurityTests : IAsyncLifetime, IDisposable
{
    private const string Topic = "meters/north/tariff";
    private const string User = "bridge";
    private const string Secret = "s3cret-for-tests";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly MulticastInterface _loopback = MulticastInterface.Loopback();
    private readonly GroupName _group = GroupName.Parse(FreePorts.UniqueIPv4Group());
    private readonly TempDirectory _directory = new("gridcast-mqtt-tls-");
    private MulticastSocket _bridgeSocket = null!;
    private MulticastSocket _device = null!;

    public static TheoryData<MqttProtocol> Protocols => [MqttProtocol.V311, MqttProtocol.V5];

    public Task InitializeAsync()
    {
        _bridgeSocket = MulticastSocket.Create(_loopback);
        _device = MulticastSocket.Create(_loopback);
        _device.Join(_group);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _device.DisposeAsync();
        await _bridgeSocket.DisposeAsync();
    }

    public void Dispose() => _directory.Dispose();

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task StartAsync_RightPassword_ConnectsAndRoutes(MqttProtocol protocol)
    {
        await using var mosquitto = await MosquittoBroker.StartAsync(WithUsers());
        await using var bridge = await StartBridgeAsync(new MqttClientSettings
        {
            Broker = mosquitto.Uri, ClientId = "bridge-under-test", Protocol = protocol, UserName = User, Password = Secret,
        });

        using var headEnd = await MqttTestClient.ConnectAsync(mosquitto.Port, "head-end", "head-end", "head-end-secret");
        await PublishAndExpectAsync(headEnd, "0.2841");
    }

    /// <summary>
    /// A refusal that retrying cannot cure fails the start at once, naming the broker's reason,
    /// rather than leaving the bridge retrying a password that will stay wrong.
    /// </summary>
    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task StartAsync_WrongPassword_ThrowsRefusedNamingTheReason(MqttProtocol protocol)
    {
        await using var mosquitto = await MosquittoBroker.StartAsync(WithUsers());
        var settings = new MqttClientSettings
        {
            Broker = mosquitto.Uri, ClientId = "bridge-under-test", Protocol = protocol, UserName = User, Password = "wrong",
        };

        var error = await Assert.ThrowsAsync<MqttBrokerRefusedException>(() => StartBridgeAsync(settings));

        Assert.Contains(mosquitto.Uri.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Matches("NotAuthorized|BadUserNameOrPassword", error.Message);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task StartAsync_TlsWithTheBrokersCa_ConnectsAndRoutes(MqttProtocol protocol)
    {
        using var authority = TestAuthority.Create("substation-ca", _directory.Path);
        await using var mosquitto = await MosquittoBroker.StartAsync(WithTls(authority));

        await using var bridge = await StartBridgeAsync(new MqttClientSettings
        {
            Broker = mosquitto.TlsUri,
            ClientId = "bridge-under-test",
            Protocol = protocol,
            Tls = new MqttTlsSettings { CaCertificateFile = authority.CertificateFile },
        });

        using var headEnd = await MqttTestClient.ConnectAsync(mosquitto.Port, "head-end");
        await PublishAndExpectAsync(headEnd, "over tls");
    }

    /// <summary>
    /// The broker's certificate is well formed and names 127.0.0.1, but another CA issued it: the
    /// bridge trusts only the CA it was given, so it refuses the broker.
    /// </summary>
    [Fact]
    public async Task StartAsync_BrokerCertificateFromAnotherCa_ThrowsRefused()
    {
        using var brokersAuthority = TestAuthority.Create("other-ca", _directory.Path);
        using var trustedAuthority = TestAuthority.Create("substation-ca", _directory.Path);
        await using var mosquitto = await MosquittoBroker.StartAsync(WithTls(brokersAuthority));
        var settings = new MqttClientSettings
        {
            Broker = mosquitto.TlsUri,
            ClientId = "bridge-under-test",
            Tls = new MqttTlsSettings { CaCertificateFile = trustedAuthority.CertificateFile },
        };

        var error = await Assert.ThrowsAsync<MqttBrokerRefusedException>(() => StartBridgeAsync(settings));

        Assert.Contains("TLS", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The right CA, but the certificate names other hosts than the one the bridge expects.</summary>
    [Fact]
    public async Task StartAsync_ServerNameNotInCertificate_ThrowsRefused()
    {
        using var authority = TestAuthority.Create("substation-ca", _directory.Path);
        await using var mosquitto = await MosquittoBroker.StartAsync(WithTls(authority));
        var settings = new MqttClientSettings
        {
            Broker = mosquitto.TlsUri,
            ClientId = "bridge-under-test",
            Tls = new MqttTlsSettings { CaCertificateFile = authority.CertificateFile, ServerName = "broker.elsewhere.example" },
        };

        await Assert.ThrowsAsync<MqttBrokerRefusedException>(() => StartBridgeAsync(settings));
    }

    [Fact]
    public async Task StartAsync_MutualTlsWithClientCertificate_ConnectsAndRoutes()
    {
        using var authority = TestAuthority.Create("substation-ca", _directory.Path);
        var (certificate, key) = authority.IssueClient("bridge-client");
        await using var mosquitto = await MosquittoBroker.StartAsync(WithTls(authority, requireClientCertificate: true));

        await using var bridge = await StartBridgeAsync(new MqttClientSettings
        {
            Broker = mosquitto.TlsUri,
            ClientId = "bridge-under-test",
            Tls = new MqttTlsSettings { CaCertificateFile = authority.CertificateFile, ClientCertificateFile = certificate, ClientKeyFile = key },
        });

        using var headEnd = await MqttTestClient.ConnectAsync(mosquitto.Port, "head-end");
        await PublishAndExpectAsync(headEnd, "mutual");
    }

    private static MosquittoOptions WithUsers()
        => new() { Users = new Dictionary<string, string> { [User] = Secret, ["head-end"] = "head-end-secret" } };

    private static MosquittoOptions WithTls(TestAuthority authority, bool requireClientCertificate = false)
    {
        var (certificate, key) = authority.IssueServer($"broker-{Guid.NewGuid():N}");
        return new() { Tls = new MosquittoTls(authority.CertificateFile, certificate, key, requireClientCertificate) };
    }

    private async Task<MqttBrokerClient> StartBridgeAsync(MqttClientSettings settings)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var router = new Router(MqttRules.Table([TopicToGroupRule.Parse($"{Topic}={_group}")], []), _bridgeSocket);
        return await MqttBrokerClient.StartAsync(settings, router, NullLogger.Instance, cancellationToken: timeout.Token);
    }

    /// <summary>A head-end on the broker's plain listener publishes; the group member must hear it.</summary>
    private async Task PublishAndExpectAsync(MQTTnet.IMqttClient headEnd, string payload)
    {
        var result = await headEnd.PublishAsync(MqttTestClient.Message(Topic, payload));
        Assert.True(result.IsSuccess, result.ReasonString);
        var message = await _device.FirstAsync(Patience);
        Assert.Equal(payload, Encoding.UTF8.GetString(message.Payload.Span));
    }
}
