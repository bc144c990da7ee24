using Bridge.Core.Adapters;
using Bridge.Multicast.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Bridge.Core.Requests;

/// <summary>
/// Runs the requests that messages on a side's request rules (<c>bridge.requests</c>) start, for
/// whatever broker the side speaks: the message's override is parsed, the rule's group is asked
/// through <see cref="IGroupRequester"/> in the background, and the answer is handed to the
/// side's publish callback. At most <see cref="MaxConcurrent"/> requests run at once; a message
/// over that bound, with a malformed override, or on a node without a reverse channel is refused,
/// counted and logged (rate-limited). A failure to ask or to publish fails that request only.
/// </summary>
public sealed partial class RequestRuleRunner : IAsyncDisposable
{
    /// <summary>The most requests in progress at once on one side.</summary>
    public const int MaxConcurrent = 16;

    private readonly IGroupRequester? _requester;
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

    /// <param name="requester">Asks groups; null where the node has no reverse channel (every message is then refused).</param>
    /// <param name="logger">Where refusals and failures are logged.</param>
    /// <param name="time">The clock of the log rate limit.</param>
    public RequestRuleRunner(IGroupRequester? requester, ILogger logger, TimeProvider time)
    {
        _requester = requester;
        _logger = logger;
        _refusals = LogRateLimiter.PerMinute(time);
    }

    /// <summary>Requests started.</summary>
    public long Asked => Interlocked.Read(ref _asked);

    /// <summary>Results published.</summary>
    public long Answered => Interlocked.Read(ref _answered);

    /// <summary>Request messages refused: a malformed override, no reverse channel, or too many requests in progress.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Requests that failed to ask or to publish their result.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>
    /// Starts the request a message matched to <paramref name="rule"/> asks for, in the background,
    /// or refuses it; returns at once either way.
    /// </summary>
    /// <param name="rule">The rule the message matched.</param>
    /// <param name="arrivedOn">Where the message came from, for the log ("topic meters/read").</param>
    /// <param name="body">The message: a trigger, or a JSON override (<see cref="RequestRule.TryRequest"/>).</param>
    /// <param name="publish">Publishes the answer where the side sends results.</param>
    public void Start(RequestRule rule, string arrivedOn, ReadOnlySpan<byte> body, Func<GroupAnswer, CancellationToken, Task> publish)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(publish);
        if (!rule.TryRequest(body, out var request, out var error))
        {
            Refuse(rule, arrivedOn, error!);
            return;
        }

        if (_requester is null)
        {
            Refuse(rule, arrivedOn, "this node has no reverse channel");
            return;
        }

        if (_stopping.IsCancellationRequested || !_slots.Wait(0))
        {
            Refuse(rule, arrivedOn, $"{MaxConcurrent} requests are in progress already");
            return;
        }

        Interlocked.Increment(ref _asked);
        var running = AnswerAsync(_requester, rule, request, publish);
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

    private async Task AnswerAsync(IGroupRequester requester, RequestRule rule, GroupRequest request, Func<GroupAnswer, CancellationToken, Task> publish)
    {
        try
        {
            var answer = await requester.AskAsync(request, _stopping.Token);
            await publish(answer, _stopping.Token);
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

    private void Refuse(RequestRule rule, string arrivedOn, string reason)
    {
        Interlocked.Increment(ref _refused);
        if (_refusals.ShouldLog(suppressed => Log.Suppressed(_logger, suppressed)))
        {
            Log.Refused(_logger, rule.Name, arrivedOn, reason);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(140, LogLevel.Debug, "Request rule {Rule}: published the result of group {Group} ({Contributors} contributors)")]
        public static partial void Answered(ILogger logger, string rule, string group, int contributors);

        [LoggerMessage(141, LogLevel.Warning, "Request rule {Rule}: refused the message on {ArrivedOn}: {Reason}")]
        public static partial void Refused(ILogger logger, string rule, string arrivedOn, string reason);

        [LoggerMessage(142, LogLevel.Warning, "Request rule {Rule}: the request failed: {Reason}")]
        public static partial void Failed(ILogger logger, string rule, string reason);

        [LoggerMessage(143, LogLevel.Warning, "{Count} more request refusals or failures were not logged")]
        public static partial void Suppressed(ILogger logger, long count);
    }
}
