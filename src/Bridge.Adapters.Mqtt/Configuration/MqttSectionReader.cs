using Bridge.Adapters.Mqtt.Client;
using Bridge.Core.Configuration;

namespace Bridge.Adapters.Mqtt.Configuration;

/// <summary>Binds, validates and checks <c>bridge.mqtt</c> (docs/configuration.md).</summary>
public static class MqttSectionReader
{
    /// <summary>The keys of the section.</summary>
    public static IReadOnlyList<string> Keys { get; } = ["broker", "listen", "clientId", "protocol", "username", "password", "passwordFile", "tls"];

    /// <summary>Binds the opened section.</summary>
    public static MqttSectionInput Bind(SectionReader section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var tls = section.Section("tls", "authority", "certificate", "key");
        return new MqttSectionInput(section.Path)
        {
            Broker = section.Text("broker"),
            Listen = section.Text("listen"),
            ClientId = section.Text("clientId"),
            Protocol = section.Text("protocol"),
            Username = section.Text("username"),
            Password = section.Text("password"),
            PasswordFile = section.Text("passwordFile"),
            Tls = tls is null ? null : new MqttTlsInput(tls.Path, tls.Text("authority"), tls.Text("certificate"), tls.Text("key")),
        };
    }

    /// <summary>Validates the bound section (pure); the settings, or null with every error added.</summary>
    public static MqttSection? Validate(MqttSectionInput mqtt, ConfigurationContext context, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(mqtt);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(errors);
        var before = errors.Count;
        if (mqtt.Broker is not null && mqtt.Listen is not null)
        {
            errors.Add(mqtt.Path, "give broker or listen, not both");
        }
        else if (mqtt.Broker is null && mqtt.Listen is null)
        {
            errors.Add(mqtt.Path, "give broker (connect to a broker) or listen (run the embedded broker)");
        }

        var broker = mqtt.Broker is null ? null : Broker(mqtt.Broker, errors);
        var listen = ConfigValues.EndPoint(mqtt.Listen, errors);
        if (mqtt.ClientId is not null && mqtt.Broker is null)
        {
            errors.Add(mqtt.ClientId.Path, "only used with broker (client mode)");
        }
        else if (mqtt.ClientId is { Text.Length: 0 })
        {
            errors.Add(mqtt.ClientId.Path, "must not be empty; leave the key out for a generated one");
        }

        MqttProtocol? protocol = mqtt.Protocol?.Text switch
        {
            null => null,
            "3.1.1" => MqttProtocol.V311,
            "5" or "5.0" => MqttProtocol.V5,
            _ => null,
        };
        if (mqtt.Protocol is not null && protocol is null)
        {
            errors.Add(mqtt.Protocol.Path, $"'{mqtt.Protocol.Text}' must be 3.1.1 or 5");
        }

        if (mqtt.Password is not null && mqtt.PasswordFile is not null)
        {
            errors.Add(mqtt.PasswordFile.Path, "give password or passwordFile, not both");
        }

        // An embedded broker takes a user name and password too: the ones head-ends must log in with.
        if (mqtt.Broker is null && mqtt.Listen is not null && mqtt.Protocol is not null)
        {
            errors.Add(mqtt.Protocol.Path, "only used with broker (client mode)");
        }

        if ((mqtt.Password is not null || mqtt.PasswordFile is not null) && mqtt.Username is null)
        {
            errors.Add(mqtt.PathOf("username"), "is required with a password");
        }

        MqttTlsFiles? tls = null;
        if (mqtt.Tls is { } tlsInput)
        {
            tls = new MqttTlsFiles(
                ConfigValues.FilePath(tlsInput.Authority, context.BaseDirectory),
                ConfigValues.FilePath(tlsInput.Certificate, context.BaseDirectory),
                ConfigValues.FilePath(tlsInput.Key, context.BaseDirectory));
            if ((tlsInput.Certificate is null) != (tlsInput.Key is null))
            {
                errors.Add(tlsInput.Path, "give certificate and key together");
            }

            if (broker is not null && broker.Scheme != "mqtts")
            {
                errors.Add(tlsInput.Path, $"TLS settings need an mqtts:// broker, not '{mqtt.Broker!.Text}'");
            }
            else if (mqtt.Listen is not null && tlsInput.Certificate is null)
            {
                errors.Add(tlsInput.Path, "an embedded broker with TLS needs its certificate and key");
            }
        }

        return errors.Count != before ? null : new MqttSection
        {
            Broker = broker,
            Listen = listen,
            ClientId = mqtt.ClientId?.Text,
            Protocol = protocol ?? MqttProtocol.V5,
            Username = mqtt.Username?.Text,
            Password = mqtt.Password?.Text,
            PasswordFile = ConfigValues.FilePath(mqtt.PasswordFile, context.BaseDirectory),
            Tls = tls,
        };
    }

    /// <summary>The files the section names must exist: the password file and the TLS files.</summary>
    public static void CheckEnvironment(MqttSectionInput mqtt, ConfigurationContext context, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(mqtt);
        ArgumentNullException.ThrowIfNull(context);
        foreach (var file in (ConfigText?[])[mqtt.PasswordFile, mqtt.Tls?.Authority, mqtt.Tls?.Certificate, mqtt.Tls?.Key])
        {
            if (file is not null)
            {
                EnvironmentChecks.FileExists(ConfigValues.FilePath(file, context.BaseDirectory), file.Path, errors);
            }
        }
    }

    private static Uri? Broker(ConfigText text, ConfigurationErrors errors)
    {
        if (!Uri.TryCreate(text.Text, UriKind.Absolute, out var uri) || uri.Scheme is not ("mqtt" or "mqtts") || string.IsNullOrEmpty(uri.Host)
            || uri.AbsolutePath is not ("" or "/") || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            errors.Add(text.Path, $"'{text.Text}' is not mqtt://host[:port] or mqtts://host[:port]");
            return null;
        }

        return ConfigValues.PortInRange(uri, text, errors) ? uri : null;
    }
}
