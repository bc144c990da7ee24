using System.Diagnostics.CodeAnalysis;
using Bridge.Adapters.Amqp.Client;
using Bridge.Adapters.Amqp.Configuration;
using Bridge.Adapters.Amqp.Rules;
using Bridge.Core.Adapters;
using Bridge.Core.Configuration;
using Bridge.Core.Mapping;
using Microsoft.Extensions.Logging;

namespace Bridge.Adapters.Amqp;

/// <summary>
/// The AMQP adapter kind: the <c>bridge.amqp</c> section (<see cref="AmqpSectionReader"/>), rule
/// endpoints written <c>amqp: ROUTING-KEY-TEMPLATE</c> and parsed as <see cref="RoutingKeyTemplate"/>s,
/// and a side that is a client of a broker's topic exchange (<see cref="AmqpBrokerClient"/>).
/// </summary>
public sealed class AmqpAdapterKind : AdapterKind<AmqpSectionInput, AmqpSection>
{
    /// <summary>The kind's name: the section key and the endpoints' kind.</summary>
    public const string KindName = "amqp";

    private AmqpAdapterKind()
    {
    }

    /// <summary>The one instance, for the host's list of kinds.</summary>
    public static AmqpAdapterKind Instance { get; } = new();

    /// <inheritdoc/>
    public override string Name => KindName;

    /// <inheritdoc/>
    public override IReadOnlyList<string> RuleKeys { get; } = [KindName];

    /// <inheritdoc/>
    public override string EndpointDescription => "a routing-key template";

    /// <inheritdoc/>
    public override string RuleNoun => "an amqp rule";

    /// <inheritdoc/>
    protected override IReadOnlyList<string> SectionKeys => AmqpSectionReader.Keys;

    /// <inheritdoc/>
    public override bool TryParseEndpoint(string text, bool publishes, [NotNullWhen(true)] out IRuleEndpoint? endpoint, [NotNullWhen(false)] out string? reason)
    {
        endpoint = null;
        if (!RoutingKeyTemplate.TryParse(text, out var template, out reason))
        {
            return false;
        }

        if (publishes && !template.CanPublish)
        {
            reason = $"routing key '{text}' to publish on must not hold '*' or '#'";
            return false;
        }

        endpoint = template;
        return true;
    }

    /// <inheritdoc/>
    protected override AmqpSectionInput Bind(SectionReader section) => AmqpSectionReader.Bind(section);

    /// <inheritdoc/>
    protected override AmqpSection? Validate(AmqpSectionInput input, ConfigurationContext context, ConfigurationErrors errors)
        => AmqpSectionReader.Validate(input, errors);

    /// <inheritdoc/>
    protected override string Describe(AmqpSection settings)
        => $"AMQP client of {settings.Broker.Scheme}://{settings.Broker.Authority}, exchange {settings.Exchange}";

    /// <inheritdoc/>
    protected override async Task<IAdapterSide> StartAsync(AmqpSection settings, AdapterContext context, CancellationToken cancellationToken)
    {
        return await AmqpBrokerClient.StartAsync(
            settings.ToClientSettings(), context.Router, context.RequestRules, context.Requests, context.Loggers.CreateLogger<AmqpBrokerClient>(), context.Time, cancellationToken);
    }
}
