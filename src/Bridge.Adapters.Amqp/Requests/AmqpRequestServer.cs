using Bridge.Adapters.Amqp.Rules;
using Bridge.Core.Adapters;
using Bridge.Core.Requests;
using Microsoft.Extensions.Logging;

namespace Bridge.Adapters.Amqp.Requests;

/// <summary>Where a request's result goes, and with which correlation id.</summary>
/// <param name="ToQueue">
/// True when <paramref name="RoutingKey"/> is the request's <c>reply-to</c>: a queue name, which the
/// default exchange routes to that queue; false for the rule's reply routing key on the side's exchange.
/// </param>
/// <param name="RoutingKey">The queue (reply-to) or the routing key on the side's exchange.</param>
/// <param name="Body">The result JSON.</param>
/// <param name="CorrelationId">The request's correlation id, copied into the result; null when it had none.</param>
internal readonly record struct AmqpReply(bool ToQueue, string RoutingKey, ReadOnlyMemory<byte> Body, string? CorrelationId);

/// <summary>
/// Serves the AMQP side's request rules (<c>bridge.requests</c>): a message on the side's exchange
/// whose routing key matches a rule's pattern asks the rule's group (<see cref="RequestRuleRunner"/>),
/// and the result JSON is published to the queue the message's <c>reply-to</c> names (through the
/// default exchange, with the message's correlation id) when it has one, else with the rule's reply
/// routing key on the side's exchange. The override is the one MQTT request messages take
/// (<see cref="RequestRule.TryRequest"/>).
/// </summary>
internal sealed class AmqpRequestServer : IAsyncDisposable
{
    private readonly IReadOnlyList<(RequestRule Rule, RoutingKeyTemplate Pattern)> _rules;
    private readonly Func<AmqpReply, CancellationToken, Task> _publish;
    private readonly RequestRuleRunner _runner;

    /// <exception cref="FormatException">A rule's routing key is not a routing-key pattern (validation lets none through).</exception>
    public AmqpRequestServer(
        IReadOnlyList<RequestRule> rules, IGroupRequester? requester, Func<AmqpReply, CancellationToken, Task> publish, ILogger logger, TimeProvider time)
    {
        _rules = [.. rules.Select(r => (r, RoutingKeyTemplate.Parse(r.Topic)))];
        _publish = publish;
        _runner = new RequestRuleRunner(requester, logger, time);
    }

    /// <summary>The binding patterns that deliver the request messages to the side's queue, each once.</summary>
    public IReadOnlyList<string> Patterns => [.. _rules.Select(r => r.Pattern.BindingPattern).Distinct(StringComparer.Ordinal)];

    /// <summary>Request messages refused: a malformed override, or too many requests in progress.</summary>
    public long Refused => _runner.Refused;

    /// <summary>Requests that failed to ask or to publish their result.</summary>
    public long Failed => _runner.Failed;

    /// <summary>
    /// Takes a message with <paramref name="routingKey"/> when a request rule's pattern matches it:
    /// the request starts in the background and this returns true at once (the caller acknowledges
    /// the message); false when no rule matches.
    /// </summary>
    /// <param name="routingKey">The message's routing key.</param>
    /// <param name="body">The message's body: a trigger, or a JSON override.</param>
    /// <param name="replyTo">The message's <c>reply-to</c> property, or null.</param>
    /// <param name="correlationId">The message's <c>correlation-id</c> property, or null.</param>
    public bool TryTake(string routingKey, ReadOnlySpan<byte> body, string? replyTo, string? correlationId)
    {
        var rule = _rules.FirstOrDefault(r => r.Pattern.TryMatch(routingKey, out _)).Rule;
        if (rule is null)
        {
            return false;
        }

        var queue = string.IsNullOrEmpty(replyTo) ? null : replyTo;
        var correlation = string.IsNullOrEmpty(correlationId) ? null : correlationId;
        _runner.Start(rule, $"routing key {routingKey}", body, (answer, cancellationToken) => _publish(
            queue is null
                ? new AmqpReply(ToQueue: false, rule.Reply, answer.Result, correlation)
                : new AmqpReply(ToQueue: true, queue, answer.Result, correlation),
            cancellationToken));
        return true;
    }

    /// <summary>Stops the requests in progress (their results are dropped) and waits for them.</summary>
    public ValueTask DisposeAsync() => _runner.DisposeAsync();
}
