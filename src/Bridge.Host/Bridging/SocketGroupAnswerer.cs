using System.Globalization;
using Bridge.Core.Adapters;
using Bridge.Multicast;
using Bridge.Multicast.Diagnostics;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;
using Microsoft.Extensions.Logging;

namespace Bridge.Host.Bridging;

/// <summary>One running side that answers requests: its kind (for logs) and the adapter.</summary>
/// <param name="Kind">The adapter kind, such as <c>modbus</c>.</param>
/// <param name="Answerer">The side.</param>
internal readonly record struct AnsweringSide(string Kind, IGroupAnswerer Answerer);

/// <summary>
/// The bridge's "be asked" door: serves the requests its multicast socket receives for the groups
/// it joined (<see cref="MulticastSocket.RequestsAsync"/>) by handing each to the running sides
/// that implement <see cref="IGroupAnswerer"/> and whose from-group rules join the request's
/// group, and replies with the first answer (<see cref="MulticastSocket.ReplyAsync"/>, member id
/// the socket's source id). A node replies at most once per request, whatever its sides: the
/// aggregator would drop a second reply of the same member as a duplicate anyway.
/// </summary>
/// <remarks>
/// An answer's <see cref="MemberAnswer.Value"/> is the number as UTF-8 text in the invariant
/// culture (<c>23.5</c>, <c>-2</c>, <c>1e3</c>), as a JSON number is written. A side with no answer
/// (null) sends nothing, so the aggregate counts this node missing rather than as a zero.
/// At most <see cref="MaxInFlight"/> requests are answered at once; the socket's own queue
/// (<see cref="MulticastSocketOptions.RequestQueueCapacity"/>) holds the rest and drops the oldest
/// when it overflows. A side is given the request's budget as its deadline and is cancelled
/// when it passes: a reply after it would only be counted late.
/// </remarks>
internal sealed partial class SocketGroupAnswerer(
    MulticastSocket socket,
    Func<GroupName, IReadOnlyList<AnsweringSide>> sidesFor,
    ILogger logger,
    TimeProvider time)
{
    /// <summary>Requests answered at once; one more waits for a free slot.</summary>
    public const int MaxInFlight = 16;

    private readonly LogRateLimiter _failures = LogRateLimiter.PerMinute(time);
    private long _replied;
    private long _unanswered;
    private long _failed;

    /// <summary>Requests this node replied to.</summary>
    public long Replied => Interlocked.Read(ref _replied);

    /// <summary>Requests no side had an answer for (none joins the group by a rule, or each returned null).</summary>
    public long Unanswered => Interlocked.Read(ref _unanswered);

    /// <summary>Requests whose answer failed: a side threw or ran past the deadline, the answer was not a number, or the reply could not be sent.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Serves requests until <paramref name="cancellationToken"/> is cancelled; then waits for those in progress.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var slots = new SemaphoreSlim(MaxInFlight, MaxInFlight);
        var running = new List<Task>();
        try
        {
            await foreach (var request in socket.RequestsAsync(cancellationToken))
            {
                await slots.WaitAsync(cancellationToken);
                running.RemoveAll(static t => t.IsCompleted);
                running.Add(AnswerOneAsync(request, slots, cancellationToken));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (ObjectDisposedException)
        {
            // The socket went first: nothing more to answer.
        }
        finally
        {
            await Task.WhenAll(running);
        }
    }

    private async Task AnswerOneAsync(IncomingRequest incoming, SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        // Off the receive loop at once: a side that reads a device must not hold up the next request.
        await Task.Yield();
        try
        {
            var sides = sidesFor(incoming.Group);
            if (sides.Count == 0)
            {
                Interlocked.Increment(ref _unanswered);
                return;
            }

            var request = new GroupRequest(
                incoming.Group,
                new RequestSpec(ReadOnlyMemory<byte>.Empty, ContentType.Raw) { Aggregation = incoming.Request.Spec },
                incoming.Request.Budget);
            using var deadline = new CancellationTokenSource(incoming.Request.Budget, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            foreach (var side in sides)
            {
                if (await AskSideAsync(side, request, incoming, linked.Token, cancellationToken) is not { } answer)
                {
                    if (linked.IsCancellationRequested)
                    {
                        // Counted as failed already; the other sides would be as late.
                        return;
                    }

                    continue;
                }

                if (!double.TryParse(answer.Value.Span, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                {
                    LogFailure(side.Kind, incoming, "its answer is not a number written as text");
                    Interlocked.Increment(ref _failed);
                    return;
                }

                try
                {
                    await socket.ReplyAsync(incoming, value, cancellationToken: cancellationToken);
                    Interlocked.Increment(ref _replied);
                }
                catch (ArgumentException e)
                {
                    // Out of the reverse channel's range (not finite, above 2^52), or the group lost its interface.
                    LogFailure(side.Kind, incoming, e.Message);
                    Interlocked.Increment(ref _failed);
                }

                return;
            }

            Interlocked.Increment(ref _unanswered);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (ObjectDisposedException)
        {
            // The socket closed under the reply: the bridge is stopping.
        }
        finally
        {
            slots.Release();
        }
    }

    private async Task<MemberAnswer?> AskSideAsync(AnsweringSide side, GroupRequest request, IncomingRequest incoming, CancellationToken deadline, CancellationToken stopping)
    {
        try
        {
            return await side.Answerer.AnswerAsync(request, deadline);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            LogFailure(side.Kind, incoming, "no answer within the request's budget");
            Interlocked.Increment(ref _failed);
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A side's failure is its request's, never the loop's: the next request is asked again.
            LogFailure(side.Kind, incoming, e.Message);
            Interlocked.Increment(ref _failed);
            return null;
        }
    }

    private void LogFailure(string kind, IncomingRequest request, string reason)
    {
        if (_failures.ShouldLog(suppressed => Log.FailuresSuppressed(logger, suppressed)))
        {
            Log.AnswerFailed(logger, kind, request.Request.RequestId, request.Group.Canonical, reason);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(207, LogLevel.Warning, "The {Kind} side did not answer request {RequestId:x16} of {Group}: {Reason}; this node is counted missing")]
        public static partial void AnswerFailed(ILogger logger, string kind, ulong requestId, string group, string reason);

        [LoggerMessage(208, LogLevel.Warning, "{Count} more failed answers to requests were not logged")]
        public static partial void FailuresSuppressed(ILogger logger, long count);
    }
}
