using Bridge.Adapters.Amqp.Client;
using Bridge.Core.Adapters;
using Bridge.Core.Configuration;

namespace Bridge.Adapters.Amqp.Configuration;

/// <summary>
/// <c>bridge.amqp</c>: the AMQP side, a client of a broker such as RabbitMQ. Reloadable: a side
/// whose settings changed is restarted.
/// </summary>
public sealed record AmqpSection : AdapterSettings
{
    /// <inheritdoc/>
    public override string Kind => AmqpAdapterKind.KindName;

    /// <summary>The broker, <c>amqp://user:password@host:port/vhost</c> or <c>amqps://</c>.</summary>
    public required Uri Broker { get; init; }

    /// <summary>The topic exchange rules bind to and publish on.</summary>
    public required string Exchange { get; init; }

    /// <summary>The client id (names the connection and the queue); null for a host- and process-unique one.</summary>
    public string? ClientId { get; init; }

    /// <summary>How many unacknowledged deliveries the broker lets the bridge hold; null for the adapter's default.</summary>
    public int? Prefetch { get; init; }

    /// <summary>The client's settings for this section.</summary>
    public AmqpClientSettings ToClientSettings()
    {
        // RabbitMQ refuses to declare an exchange named amq.*: those exist already.
        var settings = new AmqpClientSettings
        {
            Broker = Broker,
            Exchange = Exchange,
            DeclareExchange = !Exchange.StartsWith("amq.", StringComparison.Ordinal),
        };
        settings = ClientId is null ? settings : settings with { ClientId = ClientId };
        return Prefetch is { } prefetch ? settings with { Prefetch = (ushort)prefetch } : settings;
    }
}

/// <summary><c>bridge.amqp</c> as bound.</summary>
/// <param name="Path">The section's path.</param>
/// <param name="Broker"><c>broker</c>.</param>
/// <param name="Exchange"><c>exchange</c>.</param>
/// <param name="ClientId"><c>clientId</c>.</param>
/// <param name="Prefetch"><c>prefetch</c>.</param>
public sealed record AmqpSectionInput(string Path, ConfigText? Broker, ConfigText? Exchange, ConfigText? ClientId, ConfigText? Prefetch);

/// <summary>Binds and validates <c>bridge.amqp</c> (docs/configuration.md); it names no files, so there is nothing of the machine to check.</summary>
public static class AmqpSectionReader
{
    /// <summary>The keys of the section.</summary>
    public static IReadOnlyList<string> Keys { get; } = ["broker", "exchange", "clientId", "prefetch"];

    /// <summary>Binds the opened section.</summary>
    public static AmqpSectionInput Bind(SectionReader section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return new AmqpSectionInput(section.Path, section.Text("broker"), section.Text("exchange"), section.Text("clientId"), section.Text("prefetch"));
    }

    /// <summary>Validates the bound section (pure); the settings, or null with every error added.</summary>
    public static AmqpSection? Validate(AmqpSectionInput amqp, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(amqp);
        ArgumentNullException.ThrowIfNull(errors);
        var before = errors.Count;
        var broker = ConfigValues.Required(amqp.Broker, ConfigPath.Key(amqp.Path, "broker"), errors) is { } text ? Broker(text, errors) : null;
        var exchange = ConfigValues.Required(amqp.Exchange, ConfigPath.Key(amqp.Path, "exchange"), errors);
        if (exchange is { Text.Length: 0 or > 255 })
        {
            errors.Add(exchange.Path, "must be 1 to 255 characters");
        }

        if (amqp.ClientId is { Text.Length: 0 })
        {
            errors.Add(amqp.ClientId.Path, "must not be empty; leave the key out for a generated one");
        }

        var prefetch = ConfigValues.WholeNumber(amqp.Prefetch, 1, ushort.MaxValue, errors);
        return errors.Count != before || broker is null || exchange is null
            ? null
            : new AmqpSection { Broker = broker, Exchange = exchange.Text, ClientId = amqp.ClientId?.Text, Prefetch = prefetch };
    }

    private static Uri? Broker(ConfigText text, ConfigurationErrors errors)
    {
        if (!Uri.TryCreate(text.Text, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps") || string.IsNullOrEmpty(uri.Host)
            || uri.AbsolutePath.TrimStart('/').Contains('/', StringComparison.Ordinal) || !string.IsNullOrEmpty(uri.Query))
        {
            errors.Add(text.Path, $"'{text.Text}' is not amqp://[user:password@]host[:port][/vhost] or amqps://...");
            return null;
        }

        return ConfigValues.PortInRange(uri, text, errors) ? uri : null;
    }
}
