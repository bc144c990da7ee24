using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using Bridge.Adapters.Mqtt.Broker;
using Bridge.Adapters.Mqtt.Client;
using Bridge.Adapters.Mqtt.Configuration;
using Bridge.Adapters.Mqtt.Rules;
using Bridge.Core.Adapters;
using Bridge.Core.Configuration;
using Bridge.Core.Mapping;
using Microsoft.Extensions.Logging;

namespace Bridge.Adapters.Mqtt;

/// <summary>
/// The MQTT adapter kind: the <c>bridge.mqtt</c> section (<see cref="MqttSectionReader"/>), rule
/// endpoints written <c>mqtt: TOPIC-TEMPLATE</c> (or the older <c>topic:</c>), parsed as
/// <see cref="TopicTemplate"/>s, and a side that is an embedded broker (<see cref="EmbeddedMqttBroker"/>)
/// or a client of a broker (<see cref="MqttBrokerClient"/>).
/// </summary>
public sealed class MqttAdapterKind : AdapterKind<MqttSectionInput, MqttSection>
{
    /// <summary>The kind's name: the section key and the endpoints' kind.</summary>
    public const string KindName = "mqtt";

    private MqttAdapterKind()
    {
    }

    /// <summary>The one instance, for the host's list of kinds.</summary>
    public static MqttAdapterKind Instance { get; } = new();

    /// <inheritdoc/>
    public override string Name => KindName;

    /// <inheritdoc/>
    public override IReadOnlyList<string> RuleKeys { get; } = [KindName, "topic"];

    /// <inheritdoc/>
    public override string EndpointDescription => "a topic template";

    /// <inheritdoc/>
    public override string RuleNoun => "an mqtt rule";

    /// <inheritdoc/>
    protected override IReadOnlyList<string> SectionKeys => MqttSectionReader.Keys;

    /// <inheritdoc/>
    public override bool TryParseEndpoint(string text, bool publishes, [NotNullWhen(true)] out IRuleEndpoint? endpoint, [NotNullWhen(false)] out string? reason)
    {
        endpoint = null;
        if (!TopicTemplate.TryParse(text, out var template, out reason))
        {
            return false;
        }

        if (publishes && !template.CanPublish)
        {
            reason = $"topic '{text}' to publish on must not hold '+' or '#'";
            return false;
        }

        endpoint = template;
        return true;
    }

    /// <inheritdoc/>
    protected override MqttSectionInput Bind(SectionReader section) => MqttSectionReader.Bind(section);

    /// <inheritdoc/>
    protected override MqttSection? Validate(MqttSectionInput input, ConfigurationContext context, ConfigurationErrors errors)
        => MqttSectionReader.Validate(input, context, errors);

    /// <inheritdoc/>
    protected override void CheckEnvironment(MqttSectionInput input, ConfigurationContext context, ConfigurationErrors errors)
        => MqttSectionReader.CheckEnvironment(input, context, errors);

    /// <inheritdoc/>
    protected override string Describe(MqttSection settings)
        => settings.Broker is null ? $"embedded MQTT broker on {settings.Listen}" : $"MQTT client of {settings.Broker.GetLeftPart(UriPartial.Authority)}";

    /// <inheritdoc/>
    protected override async Task<IAdapterSide> StartAsync(MqttSection settings, AdapterContext context, CancellationToken cancellationToken)
    {
        if (settings.Listen is not { } listen)
        {
            return await MqttBrokerClient.StartAsync(
                settings.ToClientSettings(), context.Router, context.RequestRules, context.Requests, context.Loggers.CreateLogger<MqttBrokerClient>(), context.Time, cancellationToken);
        }

        if (settings.Tls is not null)
        {
            // Listening in plain text where the file asks for TLS would be worse than not starting.
            throw new NotSupportedException("bridge.mqtt.tls: the embedded broker does not serve TLS yet");
        }

        var credentials = settings.Username is { } user ? new MqttCredentials(user, settings.ReadPassword() ?? string.Empty) : null;
        try
        {
            return await EmbeddedMqttBroker.StartAsync(
                listen, context.Router, context.Loggers.CreateLogger<EmbeddedMqttBroker>(), credentials, context.RequestRules, context.Requests, context.Time);
        }
        catch (SocketException e)
        {
            // The socket's own words ("Address already in use") do not say which address.
            throw new IOException($"the embedded MQTT broker cannot listen on {listen}: {e.Message}", e);
        }
    }
}
