using System.Buffers;
using Bridge.Core.Adapters;
using Bridge.Core.Requests;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace Bridge.Adapters.Mqtt.Requests;

/// <summary>
/// Serves the MQTT side's request rules (<c>bridge.requests</c>): a message on a rule's request
/// topic asks the rule's group (<see cref="RequestRuleRunner"/>), and the result JSON is published
/// with QoS 1 on the message's MQTT 5 response topic when it has one (with its correlation data),
/// else on the rule's reply topic.
/// </summary>
internal sealed class MqttRequestServer : IAsyncDisposable
{
    private readonly IReadOnlyList<RequestRule> _rules;
    private readonly Func<MqttApplicationMessage, CancellationToken, Task> _publish;
    private readonly RequestRuleRunner _runner;

    public MqttRequestServer(
        IReadOnlyList<RequestRule> rules, IGroupRequester? requester, Func<MqttApplicationMessage, CancellationToken, Task> publish, ILogger logger, TimeProvider time)
    {
        _rules = rules;
        _publish = publish;
        _runner = new RequestRuleRunner(requester, logger, time);
    }

    /// <summary>The request topics to subscribe to, each once.</summary>
    public IReadOnlyList<string> Filters => [.. _rules.Select(r => r.Topic).Distinct(StringComparer.Ordinal)];

    /// <summary>Request messages refused: a malformed override, or too many requests in progress.</summary>
    public long Refused => _runner.Refused;

    /// <summary>Requests that failed to ask or to publish their result.</summary>
    public long Failed => _runner.Failed;

    /// <summary>
    /// Takes <paramref name="message"/> when its topic matches a request rule: the request starts
    /// in the background and this returns true at once; false when no rule matches.
    /// </summary>
    public bool TryTake(MqttApplicationMessage message)
    {
        var rule = _rules.FirstOrDefault(r => MqttTopicFilterComparer.Compare(message.Topic, r.Topic) == MqttTopicFilterCompareResult.IsMatch);
        if (rule is null)
        {
            return false;
        }

        var responseTopic = message.ResponseTopic;
        var correlation = message.CorrelationData;
        _runner.Start(rule, $"topic {message.Topic}", message.Payload.ToArray(), (answer, cancellationToken) =>
        {
            var reply = new MqttApplicationMessageBuilder()
                .WithTopic(string.IsNullOrEmpty(responseTopic) ? rule.Reply : responseTopic)
                .WithPayload(answer.Result.ToArray())
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithContentType("application/json");
            if (correlation is { Length: > 0 })
            {
                reply.WithCorrelationData(correlation);
            }

            return _publish(reply.Build(), cancellationToken);
        });
        return true;
    }

    /// <summary>Stops the requests in progress (their results are dropped) and waits for them.</summary>
    public ValueTask DisposeAsync() => _runner.DisposeAsync();
}
