using System.Buffers;
using Bridge.Core.Adapters;
using Bridge.Core.Requests;
using Bridge.Multicast.Diagnostics;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace Bridge.Adapters.Mqtt.Requests;

/// <summary>
/// Serves the MQTT side's request rules (<c>bridge.requests</c>): a message on a rule's request
/// topic asks the rule's group, and the result JSON is published with QoS 1 on the message's
/// MQTT 5 response topic when it has one (with its correlation data), else on the rule's reply
/// topic. Requests run concurrently, at most <see cref="MaxConcurrent"/> at once; a message over
/// that bound, or with a malformed override, is refused, counted and logged (rate-limited).
/// </summary>
internal sealed partial class MqttRequestServer : IAsyncDisposable
{
    /// <summary>The most requests in progress at once on one side.</summary>
    public const int MaxConcurrent = 16;

    private readonly IReadOnlyList<RequestRule> _rules;
    private readonly IGroupRequester? _requester;
    private readonly Func<MqttApplicationMessage, CancellationToken, Task> _publish;
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

    public MqttRequestServer(
        IReadOnlyList<RequestRule> rules, IGroupRequester? requester, Func<MqttApplicationMessage, CancellationToken, Task> publish, ILogger logger, TimeProvider time)
    {
        _rules = rules;
        _requester = requester;
        _publish = publish;
        _logger = logger;
        _refusals = LogRateLimiter.PerMinute(time);
    }

    /// <summary>The request topics to subscribe to, each once.</summary>
    public IReadOnlyList<string> Filters => [.. _rules.Select(r => r.Topic).Distinct(StringComparer.Ordinal)];

    /// <summary>Requests started.</summary>
    public long Asked => Interlocked.Read(ref _asked);

    /// <summary>Results published.</summary>
    public long Answered => Interlocked.Read(ref _answered);

    /// <summary>Request messages refused: a malformed override, or too many requests in progress.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Requests that failed to ask or to publish their result.</summary>
    public long Failed => Interlocked.Read(ref _failed);

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

        if (!rule.TryRequest(message.Payload.ToArray(), out var request, out var error))
        {
            Refuse(rule, message.Topic, error!);
            return true;
        }

        if (_requester is null)
        {
            Refuse(rule, message.Topic, "this node has no reverse channel");
            return true;
        }

        if (_stopping.IsCancellationRequested || !_slots.Wait(0))
        {
            Refuse(rule, message.Topic, $"{MaxConcurrent} requests are in progress already");
            return true;
        }

        Interlocked.Increment(ref _asked);
        var running = AnswerAsync(rule, request, message.ResponseTopic, message.CorrelationData);
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

    private async Task AnswerAsync(RequestRule rule, GroupRequest request, string? responseTopic, byte[]? correlation)
    {
        try
        {
            var answer = await _requester!.AskAsync(request, _stopping.Token);
            var reply = new MqttApplicationMessageBuilder()
                .WithTopic(string.IsNullOrEmpty(responseTopic) ? rule.Reply : responseTopic)
                .WithPayload(answer.Result.ToArray())
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithContentType("application/json");
            if (correlation is { Length: > 0 })
            {
                reply.WithCorrelationData(correlation);
            }

            await _publish(reply.Build(), _stopping.Token);
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
            // or a reply that cannot be published fails this request, never the side.
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

    private void Refuse(RequestRule rule, string topic, string reason)
    {
        Interlocked.Increment(ref _refused);
        if (_refusals.ShouldLog(suppressed => Log.Suppressed(_logger, suppressed)))
        {
            Log.Refused(_logger, rule.Name, topic, reason);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(140, LogLevel.Debug, "Request rule {Rule}: published the result of group {Group} ({Contributors} contributors)")]
        public static partial void Answered(ILogger logger, string rule, string group, int contributors);

        [LoggerMessage(141, LogLevel.Warning, "Request rule {Rule}: refused the message on {Topic}: {Reason}")]
        public static partial void Refused(ILogger logger, string rule, string topic, string reason);

        [LoggerMessage(142, LogLevel.Warning, "Request rule {Rule}: the request failed: {Reason}")]
        public static partial void Failed(ILogger logger, string rule, string reason);

        [LoggerMessage(143, LogLevel.Warning, "{Count} more request refusals or failures were not logged")]
        public static partial void Suppressed(ILogger logger, long count);
    }
}
