using System.Globalization;

namespace Bridge.Adapters.Mqtt.Client;

/// <summary>The MQTT protocol version the client mode speaks to its broker.</summary>
public enum MqttProtocol
{
    /// <summary>MQTT 3.1.1 (OASIS, 2014): no No Local, so the client suppresses its own echoes itself.</summary>
    V311,

    /// <summary>MQTT 5.0 (OASIS, 2019): subscriptions with No Local and Retain As Published, session expiry.</summary>
    V5,
}

/// <summary>
/// How <see cref="MqttBrokerClient"/> secures its connection: which certificate authority it
/// trusts for the broker, and the certificate it shows for mutual TLS.
/// </summary>
public sealed record MqttTlsSettings
{
    /// <summary>
    /// A PEM (or DER) file with the one CA certificate the broker's chain must end in. The system
    /// trust store is not consulted then. Null trusts the system store, as for a public broker.
    /// </summary>
    public string? CaCertificateFile { get; init; }

    /// <summary>A PEM file with the client certificate for mutual TLS; needs <see cref="ClientKeyFile"/>.</summary>
    public string? ClientCertificateFile { get; init; }

    /// <summary>A PEM file with the private key of <see cref="ClientCertificateFile"/>.</summary>
    public string? ClientKeyFile { get; init; }

    /// <summary>
    /// The name the broker's certificate must carry, also sent as SNI. Null takes the host of
    /// <see cref="MqttClientSettings.Broker"/>, which may be an IP address (matched against the
    /// certificate's IP subject alternative names).
    /// </summary>
    public string? ServerName { get; init; }
}

/// <summary>Where and how <see cref="MqttBrokerClient"/> connects.</summary>
public sealed record MqttClientSettings
{
    /// <summary>The TCP port of <c>mqtt://</c> when the URL names none (IANA).</summary>
    public const int DefaultPort = 1883;

    /// <summary>The TCP port of <c>mqtts://</c> when the URL names none (IANA).</summary>
    public const int DefaultTlsPort = 8883;

    /// <summary>The broker, as <c>mqtt://host[:port]</c> or, over TLS, <c>mqtts://host[:port]</c>.</summary>
    public required Uri Broker { get; init; }

    /// <summary>
    /// The MQTT client id. The default names host and process, so bridges in containers (where
    /// every process may be PID 1) do not take each other's session.
    /// </summary>
    public string ClientId { get; init; } = $"gridcast-{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>The protocol version; MQTT 5 unless the broker speaks only 3.1.1.</summary>
    public MqttProtocol Protocol { get; init; } = MqttProtocol.V5;

    /// <summary>The user name to authenticate with; null connects without one.</summary>
    public string? UserName { get; init; }

    /// <summary>The password for <see cref="UserName"/>.</summary>
    public string? Password { get; init; }

    /// <summary>
    /// TLS settings. TLS is used when this is set or the broker URL is <c>mqtts://</c>; with
    /// <c>mqtts://</c> and no settings, the broker's certificate is checked against the system store.
    /// </summary>
    public MqttTlsSettings? Tls { get; init; }

    /// <summary>
    /// Whether the broker keeps this client's session (subscriptions and unacknowledged QoS 1
    /// messages) across connections: MQTT 5 Clean Start 0 with <see cref="SessionExpiry"/>,
    /// MQTT 3.1.1 Clean Session 0 (the broker's own settings decide how long it keeps it).
    /// </summary>
    public bool PersistentSession { get; init; } = true;

    /// <summary>
    /// How long an MQTT 5 broker keeps this client's session (its subscriptions and the QoS 1
    /// messages not yet acknowledged) after the connection drops. A message the bridge could not
    /// hand to a group stays unacknowledged and comes again when the client reconnects within this time.
    /// </summary>
    public TimeSpan SessionExpiry { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Wait before the first reconnect; doubles up to <see cref="MaxReconnectDelay"/>.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest wait between reconnects.</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// MQTT 3.1.1 only: how long a message the client published is remembered, so that the copy the
    /// broker sends back on a matching subscription is recognised and not routed into a group.
    /// </summary>
    public TimeSpan EchoWindow { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>MQTT 3.1.1 only: the most published messages remembered at once; the oldest go first.</summary>
    public int EchoCapacity { get; init; } = 4096;

    /// <summary>Whether the connection uses TLS.</summary>
    public bool UsesTls => Tls is not null || Broker.Scheme == "mqtts";

    /// <summary>The broker's TCP port: the URL's, or the default of its scheme.</summary>
    public int Port => Broker.IsDefaultPort || Broker.Port < 0 ? (UsesTls ? DefaultTlsPort : DefaultPort) : Broker.Port;

    /// <summary>The settings as a log line may show them: the password is never written out.</summary>
    public override string ToString()
        => string.Create(
            CultureInfo.InvariantCulture,
            $"MqttClientSettings {{ Broker = {Broker}, ClientId = {ClientId}, Protocol = {Protocol}, UserName = {UserName}, "
            + $"Password = {(Password is null ? "(none)" : "(hidden)")}, Tls = {Tls}, PersistentSession = {PersistentSession}, "
            + $"SessionExpiry = {SessionExpiry}, ReconnectDelay = {ReconnectDelay}, MaxReconnectDelay = {MaxReconnectDelay} }}");

    /// <summary>Parses and checks a broker URL, naming what is wrong with it.</summary>
    public static Uri ParseBroker(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("mqtt" or "mqtts") || string.IsNullOrEmpty(uri.Host))
        {
            throw new FormatException($"broker URL '{text}' is not of the form mqtt://host[:port] or mqtts://host[:port]");
        }

        return uri;
    }

    /// <summary>Throws naming every setting that cannot work; a misuse of the API, not a broker's fault.</summary>
    internal void Validate()
    {
        var errors = new List<string>();
        if (Broker.Scheme is not ("mqtt" or "mqtts"))
        {
            errors.Add($"broker URL '{Broker}' must be mqtt:// or mqtts://");
        }

        if (Password is not null && UserName is null)
        {
            errors.Add("a password needs a user name");
        }

        if (Tls is { } tls && (tls.ClientCertificateFile is null) != (tls.ClientKeyFile is null))
        {
            errors.Add("a client certificate needs its key file, and a key file its certificate");
        }

        if (ReconnectDelay <= TimeSpan.Zero || MaxReconnectDelay < ReconnectDelay)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"reconnect delays {ReconnectDelay} to {MaxReconnectDelay} are not a positive, increasing range"));
        }

        if (SessionExpiry < TimeSpan.Zero || SessionExpiry.TotalSeconds > uint.MaxValue)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"session expiry {SessionExpiry} is out of range"));
        }

        if (EchoWindow <= TimeSpan.Zero || EchoCapacity < 1)
        {
            errors.Add("the echo window and capacity must be positive");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid MQTT client settings: " + string.Join("; ", errors), "settings");
        }
    }
}
