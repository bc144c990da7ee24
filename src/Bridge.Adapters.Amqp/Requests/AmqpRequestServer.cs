using Bridge.Adapters.Amqp.Rules;
using Bridge.Core.Adapters;
using Bridge.Core.Requests;
using Bridge.Multicast.Diagnostics;
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
/// whose routing key matches a rule's pattern asks the rule's group, and the result JSON is
/// published to the queue the message's <c>reply-to</c> names (through the default exchange, with
/// the message's correlation id) when it has one, else with the rule's reply routing key on the
/// side's exchange. Requests run concurrently, at most <see cref="MaxConcurrent"/> at once; a
/// message over that bound, or with a malformed override, is refused, counted and logged
/// (rate-limited). The override is the one MQTT request messages take (<see cref="RequestRule.TryRequest"/>).
/// </summary>
internal sealed partial class AmqpRequestServer : IAsyncDisposable
{
    /// <summary>The most requests in progress at once on one side.</summary>
    public const int MaxConcurrent = 16;

    private readonly IReadOnlyList<(RequestRule Rule, RoutingKeyTemplate Pattern)> _rules;
    private readonly IGroupRequester? _requester;
    private readonly Func<AmqpReply, CancellationToken, Task> _publish;
    private readonly ILogger _logger;
    private readonly LogRateLimiter _refusals;
    private readonly SemaphoreSlim _slots = new(MaxConcurrent, MaxConcurrent);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly HashSet<Task> _running = [];
    private long _asked;
    private long _answered;
    private long _refused;
    private long _failed;

    /// <exception cref="FormatException">A rule's routing key is not a routing-key pattern (validation lets none through).</exception>
    public AmqpRequestServer(
        IReadOnlyList<RequestRule> rules, IGroupRequester? requester, Func<AmqpReply, CancellationToken, Task> publish, ILogger logger, TimeProvider time)
    {
        _rules = [.. rules.Select(r => (r, RoutingKeyTemplate.Parse(r.Topic)))];
        _requester = requester;
        _publish = publish;
        _logger = logger;
        _refusals = LogRateLimiter.PerMinute(time);
    }

    /// <summary>The binding patterns that deliver the request messages to the side's queue, each once.</summary>
    public IReadOnlyList<string> Patterns => [.. _rules.Select(r => r.Pattern.BindingPattern).Distinct(StringComparer.Ordinal)];

    /// <summary>Requests started.</summary>
    public long Asked => Interlocked.Read(ref _asked);

    /// <summary>Results published.</summary>
    public long Answered => Interlocked.Read(ref _answered);

    /// <summary>Request messages refused: a malformed override, or too many requests in progress.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Requests that failed to ask or to publish their result.</summary>
    public long Failed => Interlocked.Read(ref _failed);

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

        if (!rule.TryRequest(body, out var request, out var error))
        {
            Refuse(rule, routingKey, error!);
            return true;
        }

        if (_requester is null)
        {
            Refuse(rule, routingKey, "this node has no reverse channel");
            return true;
        }

        if (_stopping.IsCancellationRequested || !_slots.Wait(0))
        {
            Refuse(rule, routingKey, $"{MaxConcurrent} requests are in progress already");
            return true;
        }

        Interlocked.Increment(ref _asked);
        var running = AnswerAsync(rule, request, string.IsNullOrEmpty(replyTo) ? null : replyTo, string.IsNullOrEmpty(correlationId) ? null : correlationId);
        lock (_gate)
        {
            if (!running.IsCompleted)
            {
                _running.Add(running);
            }
        }

        _ = running.ContinueWith(
            done =>
            {
                lock (_gate)
                {
                    _running.Remove(done);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return true;
    }

    /// <summary>Stops the requests in progress (their results are dropped) and waits for them.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        Task[] running;
        lock (_gate)
        {
            running = [.. _running];
        }

        await Task.WhenAll(running);
        _stopping.Dispose();
        _slots.Dispose();
    }

    private async Task AnswerAsync(RequestRule rule, GroupRequest request, string? replyTo, string? correlationId)
    {
        try
        {
            var answer = await _requester!.AskAsync(request, _stopping.Token);
            var reply = replyTo is null
                ? new AmqpReply(ToQueue: false, rule.Reply, answer.Result, correlationId)
                : new AmqpReply(ToQueue: true, replyTo, answer.Result, correlationId);
            await _publish(reply, _stopping.Token);
            Interlocked.Increment(ref _answered);
            Log.Answered(_logger, rule.Name, request.Group.Canonical, answer.Contributors);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // The side stops: the result has nowhere to go.
        }
        catch (Exception ex)
        {
            // A request that cannot be sent (no interface carries the group, too many in progress)
            // or a result the broker refuses fails this request, never the side.
            Interlocked.Increment(ref _failed);
            if (_refusals.ShouldLog(suppressed => Log.Suppressed(_logger, suppressed)))
            {
                Log.Failed(_logger, rule.Name, ex.Message);
            }
        }
        finally
        {
            try
            {
                _slots.Release();
            }
            catch (ObjectDisposedException)
            {
                // Disposed after this request was waited for: nothing left to release.
            }
        }
    }

    private void Refuse(RequestRule rule, string routingKey, string reason)
    {
        Interlocked.Increment(ref _refused);
        if (_refusals.ShouldLog(suppressed => Log.Suppressed(_logger, suppressed)))
        {
            Log.Refused(_logger, rule.Name, routingKey, reason);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(132, LogLevel.Debug, "Request rule {Rule}: published the result of group {Group} ({Contributors} contributors)")]
        public static partial void Answered(ILogger logger, string rule, string group, int contributors);

        [LoggerMessage(133, LogLevel.Warning, "Request rule {Rule}: refused the message with routing key {RoutingKey}: {Reason}")]
        public static partial void Refused(ILogger logger, string rule, string routingKey, string reason);

        [LoggerMessage(134, LogLevel.Warning, "Request rule {Rule}: the request failed: {Reason}")]
        public static partial void Failed(ILogger logger, string rule, string reason);

        [LoggerMessage(135, LogLevel.Warning, "{Count} more request refusals or failures were not logged")]
        public static partial void Suppressed(ILogger logger, long count);
    }
}
