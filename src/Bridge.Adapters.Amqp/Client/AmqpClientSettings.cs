namespace Bridge.Adapters.Amqp.Client;

/// <summary>
/// Where and how <see cref="AmqpBrokerClient"/> connects. The routing table has no notion of an
/// exchange, so the exchange is set here, once for all rules of one client: the queue is bound to
/// it with the pattern of every to-group rule, and from-group messages are published to it.
/// </summary>
public sealed record AmqpClientSettings
{
    /// <summary>
    /// The broker, as <c>amqp://user:password@host:port/vhost</c> (or <c>amqps://</c> for TLS):
    /// user and password default to guest, the port to 5672 (5671), the virtual host to "/"
    /// (written <c>%2F</c> in the path when given).
    /// </summary>
    public required Uri Broker { get; init; }

    /// <summary>The virtual host, when it should differ from the one the URI names.</summary>
    public string? VirtualHost { get; init; }

    /// <summary>
    /// The topic exchange the to-group rules' queue is bound to and from-group messages are
    /// published to. It is declared durable when <see cref="DeclareExchange"/> is set.
    /// </summary>
    public required string Exchange { get; init; }

    /// <summary>Whether to declare <see cref="Exchange"/> (durable, type topic) or only check that it exists.</summary>
    public bool DeclareExchange { get; init; } = true;

    /// <summary>
    /// The client id: names the connection and, after <see cref="QueuePrefix"/>, the durable queue
    /// of the to-group rules, so a restarted bridge finds what it had not yet acknowledged. The
    /// default names host and process, like the MQTT client's.
    /// </summary>
    public string ClientId { get; init; } = $"gridcast-{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>Put before <see cref="ClientId"/> to name the queue.</summary>
    public string QueuePrefix { get; init; } = "gridcast.";

    /// <summary>
    /// How many unacknowledged deliveries the broker lets the bridge hold (basic.qos). Each is
    /// acknowledged after its hand-off to the multicast layer, so this bounds what a crash resends.
    /// </summary>
    public ushort Prefetch { get; init; } = 64;

    /// <summary>Wait before the first reconnect; doubles up to <see cref="MaxReconnectDelay"/> before the first connection, and is the recovery interval after it.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest wait between attempts at the first connection.</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a delivery whose routing failed is held before it is returned to the queue, so a
    /// multicast layer that keeps failing is not offered the same message in a tight loop.
    /// </summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>AMQP heartbeat: how soon a silent broker is taken for gone.</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The queue the to-group rules are bound to.</summary>
    public string QueueName => QueuePrefix + ClientId;

    /// <summary>Parses and checks a broker URL, naming what is wrong with it.</summary>
    public static Uri ParseBroker(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps") || string.IsNullOrEmpty(uri.Host))
        {
            throw new FormatException($"broker URL '{text}' is not of the form amqp[s]://[user:password@]host[:port][/vhost]");
        }

        return uri;
    }
}
