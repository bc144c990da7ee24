using System.Buffers;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Bridge.Testing;

/// <summary>Ordinary MQTT clients, as a head-end or a device would use them, for tests.</summary>
public static class MqttTestClient
{
    /// <summary>Connects a new MQTTnet client to a broker on loopback.</summary>
    public static Task<IMqttClient> ConnectAsync(int port, string clientId)
        => ConnectAsync(port, clientId, userName: null, password: null);

    /// <summary>
    /// Connects a new MQTTnet client to a broker on loopback with a user name and a protocol
    /// version; throws when the broker refuses it (MQTTnet only reports that in the result).
    /// </summary>
    public static async Task<IMqttClient> ConnectAsync(
        int port, string clientId, string? userName, string? password, MqttProtocolVersion protocol = MqttProtocolVersion.V500)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            var options = new MqttClientOptionsBuilder()
                .WithTcpServer("127.0.0.1", port)
                .WithClientId(clientId)
                .WithProtocolVersion(protocol);
            if (userName is not null)
            {
                options.WithCredentials(userName, password);
            }

            var result = await client.ConnectAsync(options.Build());
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new InvalidOperationException($"the broker on port {port} refused '{clientId}': {result.ResultCode}");
            }

            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>An application message with a UTF-8 payload.</summary>
    public static MqttApplicationMessage Message(string topic, string payload, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce, bool retain = false)
        => new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(payload)))
            .WithQualityOfServiceLevel(qos)
            .WithRetainFlag(retain)
            .Build();
}
