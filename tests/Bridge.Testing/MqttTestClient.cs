using System.Buffers;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;

namespace Bridge.Testing;

/// <summary>Ordinary MQTT clients, as a head-end or a device would use them, for tests.</summary>
public static class MqttTestClient
{
    /// <summary>Connects a new MQTTnet client to a broker on loopback.</summary>
    public static async Task<IMqttClient> ConnectAsync(int port, string clientId)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            await client.ConnectAsync(new MqttClientOptionsBuilder()
                .WithTcpServer("127.0.0.1", port)
                .WithClientId(clientId)
                .Build());
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>An application message with a UTF-8 payload.</summary>
    public static MqttApplicationMessage Message(string topic, string payload, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce)
        => new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(payload)))
            .WithQualityOfServiceLevel(qos)
            .Build();
}
