using System.Net;
using Bridge.Adapters.Mqtt.Client;
using Bridge.Core.Adapters;
using Bridge.Core.Configuration;

namespace Bridge.Adapters.Mqtt.Configuration;

/// <summary>The PEM files of TLS to or of an MQTT broker, as absolute paths; each may be absent.</summary>
/// <param name="Authority">The CA the broker's certificate must chain to; null for the system's trust store.</param>
/// <param name="Certificate">The client certificate (client mode) or the broker's certificate (embedded mode).</param>
/// <param name="Key">Its private key.</param>
public sealed record MqttTlsFiles(string? Authority, string? Certificate, string? Key);

/// <summary>
/// <c>bridge.mqtt</c>: the MQTT side, as a client of a broker (<see cref="Broker"/>) or as an
/// embedded broker (<see cref="Listen"/>). Reloadable: a side whose settings changed is restarted
/// (an embedded broker only when <see cref="Listen"/> changed, since it subscribes to nothing).
/// </summary>
public sealed record MqttSection : AdapterSettings
{
    /// <inheritdoc/>
    public override string Kind => MqttAdapterKind.KindName;

    /// <summary>Client mode: the broker, <c>mqtt://</c> or <c>mqtts://</c>; null in embedded broker mode.</summary>
    public Uri? Broker { get; init; }

    /// <summary>Embedded broker mode: where it listens; null in client mode.</summary>
    public IPEndPoint? Listen { get; init; }

    /// <summary>The MQTT client id in client mode; null for a host- and process-unique one.</summary>
    public string? ClientId { get; init; }

    /// <summary>The protocol version in client mode.</summary>
    public MqttProtocol Protocol { get; init; } = MqttProtocol.V5;

    /// <summary>The user name: the bridge's in client mode, the one head-ends must log in with in embedded mode.</summary>
    public string? Username { get; init; }

    /// <summary>The password, as written in the file.</summary>
    public string? Password { get; init; }

    /// <summary>The file holding the password (absolute path), instead of <see cref="Password"/>.</summary>
    public string? PasswordFile { get; init; }

    /// <summary>TLS material; null without a <c>tls</c> key.</summary>
    public MqttTlsFiles? Tls { get; init; }

    /// <summary>The password: written in the file, or read from its password file (without a trailing line break).</summary>
    public string? ReadPassword() => PasswordFile is { } file ? File.ReadAllText(file).TrimEnd('\r', '\n') : Password;

    /// <summary>The client's settings for a client-mode section.</summary>
    /// <exception cref="InvalidOperationException">The section is in embedded broker mode.</exception>
    public MqttClientSettings ToClientSettings()
    {
        var broker = Broker ?? throw new InvalidOperationException("not a client-mode section");
        var settings = new MqttClientSettings
        {
            Broker = broker,
            Protocol = Protocol,
            UserName = Username,
            Password = ReadPassword(),
            Tls = Tls is { } tls
                ? new MqttTlsSettings { CaCertificateFile = tls.Authority, ClientCertificateFile = tls.Certificate, ClientKeyFile = tls.Key }
                : null,
        };
        return ClientId is null ? settings : settings with { ClientId = ClientId };
    }
}

/// <summary><c>bridge.mqtt</c> as bound: the texts of its keys.</summary>
/// <param name="Path">The section's path.</param>
public sealed record MqttSectionInput(string Path)
{
    /// <summary><c>broker</c>.</summary>
    public ConfigText? Broker { get; init; }

    /// <summary><c>listen</c>.</summary>
    public ConfigText? Listen { get; init; }

    /// <summary><c>clientId</c>.</summary>
    public ConfigText? ClientId { get; init; }

    /// <summary><c>protocol</c>.</summary>
    public ConfigText? Protocol { get; init; }

    /// <summary><c>username</c>.</summary>
    public ConfigText? Username { get; init; }

    /// <summary><c>password</c>.</summary>
    public ConfigText? Password { get; init; }

    /// <summary><c>passwordFile</c>.</summary>
    public ConfigText? PasswordFile { get; init; }

    /// <summary><c>tls</c>, when given as a mapping.</summary>
    public MqttTlsInput? Tls { get; init; }

    /// <summary>The path of <paramref name="key"/> in the section.</summary>
    public string PathOf(string key) => ConfigPath.Key(Path, key);
}

/// <summary><c>bridge.mqtt.tls</c> as bound.</summary>
/// <param name="Path">Its path.</param>
/// <param name="Authority"><c>authority</c>.</param>
/// <param name="Certificate"><c>certificate</c>.</param>
/// <param name="Key"><c>key</c>.</param>
public sealed record MqttTlsInput(string Path, ConfigText? Authority, ConfigText? Certificate, ConfigText? Key);
