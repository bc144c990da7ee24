namespace Bridge.Adapters.Mqtt.Client;

/// <summary>
/// The broker refused the bridge for a reason retrying will not cure: wrong user name or password,
/// not authorised, a certificate that does not check out, an unsupported protocol version.
/// <see cref="MqttBrokerClient"/> throws it for the first connection; later refusals
/// are logged as errors and retried with backoff, since the broker's configuration may change.
/// </summary>
public sealed class MqttBrokerRefusedException : Exception
{
    /// <summary>Creates an exception with no message.</summary>
    public MqttBrokerRefusedException()
    {
    }

    /// <summary>Creates an exception with <paramref name="message"/>.</summary>
    public MqttBrokerRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with <paramref name="message"/> caused by <paramref name="innerException"/>.</summary>
    public MqttBrokerRefusedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
