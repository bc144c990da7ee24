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
/// group, and replies with each answer as it comes (<see cref="MulticastSocket.ReplyForAsync"/>):
/// an answer for a device (an IED) under the device's member id (<see cref="DeviceMemberId"/>),
/// so that the asker counts every device; an answer as the node under the socket's source id, at
/// most once per request, whatever its sides: the aggregator would drop a second reply of the
/// same member as a duplicate anyway.
/// </summary>
/// <remarks>
/// An answer's <see cref="MemberAnswer.Value"/> is the number as UTF-8 text in the invariant
/// culture (<c>23.5</c>, <c>-2</c>, <c>1e3</c>), as a JSON number is written. A side (or a device)
/// with no answer sends nothing, so the aggregate counts it missing rather than as a zero.
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

    /// <summary>Requests this node replied to, as itself or for at least one of its devices.</summary>
    public long Replied => Interlocked.Read(ref _replied);

    /// <summary>Requests no side had an answer for (none joins the group by a rule, or none gave an answer).</summary>
    public long Unanswered => Interlocked.Read(ref _unanswered);

    /// <summary>Answers that failed: a side threw or ran past the deadline, an answer was not a number, or a reply could not be sent.</summary>
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
            var replies = new Replies();
            foreach (var side in sides)
            {
                // The node answers once; a side after the one that did is asked only for its devices.
                if (replies.Node && !side.Answerer.Devices.Any(d => d.Groups.Contains(incoming.Group)))
                {
                    continue;
                }

                await AskSideAsync(side, request, incoming, replies, linked.Token, cancellationToken);
                if (linked.IsCancellationRequested)
                {
                    // Counted as failed already; the other sides would be as late.
                    break;
                }
            }

            if (replies.Count > 0)
            {
                Interlocked.Increment(ref _replied);
            }
            else if (!linked.IsCancellationRequested)
            {
                // A request whose budget ran out is counted as failed already.
                Interlocked.Increment(ref _unanswered);
            }
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

    /// <summary>Replies with each answer of <paramref name="side"/> as it comes: the node's first, and every device's.</summary>
    private async Task AskSideAsync(AnsweringSide side, GroupRequest request, IncomingRequest incoming, Replies replies, CancellationToken deadline, CancellationToken stopping)
    {
        try
        {
            await foreach (var answer in side.Answerer.AnswerAsync(request, deadline))
            {
                ulong member;
                if (answer.Device is { } device)
                {
                    member = DeviceMemberId.Of(socket.SourceId, side.Kind, device);
                }
                else if (replies.Node)
                {
                    // The aggregator would drop a second reply of the same member as a duplicate anyway.
                    continue;
                }
                else
                {
                    member = socket.SourceId;
                }

                if (!double.TryParse(answer.Value.Span, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                {
                    LogFailure(side.Kind, incoming, "its answer is not a number written as text");
                    Interlocked.Increment(ref _failed);
                    continue;
                }

                try
                {
                    await socket.ReplyForAsync(incoming, member, value, cancellationToken: stopping);
                    replies.Count++;
                    replies.Node |= answer.Device is null;
                }
                catch (ArgumentException e)
                {
                    // Out of the reverse channel's range (not finite, above 2^52), or the group lost its interface.
                    LogFailure(side.Kind, incoming, e.Message);
                    Interlocked.Increment(ref _failed);
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            LogFailure(side.Kind, incoming, "no answer within the request's budget");
            Interlocked.Increment(ref _failed);
        }
        catch (Exception e) when (e is not OperationCanceledException and not ObjectDisposedException)
        {
            // A side's failure is its request's, never the loop's: the next request is asked again.
            LogFailure(side.Kind, incoming, e.Message);
            Interlocked.Increment(ref _failed);
        }
    }

    private void LogFailure(string kind, IncomingRequest request, string reason)
    {
        if (_failures.ShouldLog(suppressed => Log.FailuresSuppressed(logger, suppressed)))
        {
            Log.AnswerFailed(logger, kind, request.Request.RequestId, request.Group.Canonical, reason);
        }
    }

    /// <summary>What one request's replies were so far.</summary>
    private sealed class Replies
    {
        /// <summary>Replies sent, the node's and its devices'.</summary>
        public int Count { get; set; }

        /// <summary>Whether the node replied as itself.</summary>
        public bool Node { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(207, LogLevel.Warning, "The {Kind} side did not answer request {RequestId:x16} of {Group}: {Reason}; this node is counted missing")]
        public static partial void AnswerFailed(ILogger logger, string kind, ulong requestId, string group, string reason);

        [LoggerMessage(208, LogLevel.Warning, "{Count} more failed answers to requests were not logged")]
        public static partial void FailuresSuppressed(ILogger logger, long count);
    }
}
