using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Fragmentation;
using Bridge.Multicast.Security;
using Bridge.Multicast.Wire;
using Bridge.Multicast.Security.ControlPlane;

namespace Bridge.Multicast.Endpoint;

/// <summary>
/// What a <see cref="GroupEndpoint"/> has sent, received and dropped, by reason. Written by the
/// one thread that drives the endpoint; readable from any thread (for metrics), where a value may
/// be a moment old.
/// </summary>
public sealed class GroupEndpointCounters
{
    private readonly long[] _rejected = new long[Enum.GetValues<FrameError>().Length];
    private long _messagesSent;
    private long _framesSent;
    private long _bytesSent;
    private long _framesReceived;
    private long _messagesReceived;
    private long _duplicates;
    private long _tooOld;
    private long _notJoined;
    private long _unsupported;
    private long _messagesLost;
    private readonly long[] _payloadRejected = new long[Enum.GetValues<AggregationError>().Length];
    private readonly long[] _controlRejected = new long[Enum.GetValues<ControlFrameRejection>().Length];
    private long _requestsSent;
    private long _repliesSent;
    private long _requestsReceived;
    private long _repliesReceived;
    private long _partialsReceived;

    internal GroupEndpointCounters(ReassemblyCounters reassembly) => Reassembly = reassembly;

    /// <summary>Messages sent (one per <see cref="GroupEndpoint.Send"/>).</summary>
    public long MessagesSent => Volatile.Read(ref _messagesSent);

    /// <summary>Frames queued for sending: one per fragment.</summary>
    public long FramesSent => Volatile.Read(ref _framesSent);

    /// <summary>Bytes of those frames.</summary>
    public long BytesSent => Volatile.Read(ref _bytesSent);

    /// <summary>Datagrams that decoded to a valid frame, whatever happened to the frame next.</summary>
    public long FramesReceived => Volatile.Read(ref _framesReceived);

    /// <summary>Whole messages delivered (<see cref="MessageReceived"/> events).</summary>
    public long MessagesReceived => Volatile.Read(ref _messagesReceived);

    /// <summary>Frames of a message already delivered (the same frame heard twice, over IPv4 and IPv6 say).</summary>
    public long Duplicates => Volatile.Read(ref _duplicates);

    /// <summary>
    /// Frames older than the duplicate window behind the newest message of their source: the
    /// endpoint can no longer tell whether they are duplicates, so it drops them.
    /// </summary>
    public long TooOld => Volatile.Read(ref _tooOld);

    /// <summary>Valid frames for a group this endpoint has not joined (another name on the same address).</summary>
    public long NotJoined => Volatile.Read(ref _notJoined);

    /// <summary>
    /// Valid frames this endpoint does not handle: frame types other than data, request and reply
    /// (for the gateway logic), fragmented requests and replies (never sent so), and encrypted
    /// frames (for the security layer).
    /// </summary>
    public long Unsupported => Volatile.Read(ref _unsupported);

    /// <summary>Fragmented messages given up on, incomplete or too large (<see cref="MessageLost"/> events).</summary>
    public long MessagesLost => Volatile.Read(ref _messagesLost);

    /// <summary>Request frames sent (<see cref="GroupEndpoint.SendRequest"/>); their frames and bytes are in <see cref="FramesSent"/> and <see cref="BytesSent"/>.</summary>
    public long RequestsSent => Volatile.Read(ref _requestsSent);

    /// <summary>Reply frames sent (<see cref="GroupEndpoint.SendReply"/>).</summary>
    public long RepliesSent => Volatile.Read(ref _repliesSent);

    /// <summary>Requests delivered (<see cref="RequestReceived"/> events).</summary>
    public long RequestsReceived => Volatile.Read(ref _requestsReceived);

    /// <summary>Replies delivered (<see cref="ReplyReceived"/> events).</summary>
    public long RepliesReceived => Volatile.Read(ref _repliesReceived);

    /// <summary>Gateway partials delivered (<see cref="PartialReceived"/> events).</summary>
    public long PartialsReceived => Volatile.Read(ref _partialsReceived);

    /// <summary>Request and Reply frames whose payload did not decode, all reasons.</summary>
    public long PayloadRejectedTotal
    {
        get
        {
            long total = 0;
            for (var i = 0; i < _payloadRejected.Length; i++)
            {
                total += Volatile.Read(ref _payloadRejected[i]);
            }

            return total;
        }
    }

    /// <summary>Request, Reply and PartialAggregate frames refused by the domain key's checks for <paramref name="reason"/> (docs/security.md, "Control plane").</summary>
    public long ControlRejected(ControlFrameRejection reason) =>
        (uint)reason < (uint)_controlRejected.Length ? Volatile.Read(ref _controlRejected[(int)reason]) : 0;

    /// <summary>Request and Reply frames whose payload the codec refused for <paramref name="reason"/>.</summary>
    public long PayloadRejected(AggregationError reason) =>
        (uint)reason < (uint)_payloadRejected.Length ? Volatile.Read(ref _payloadRejected[(int)reason]) : 0;

    /// <summary>All datagrams rejected as malformed.</summary>
    public long RejectedTotal
    {
        get
        {
            long total = 0;
            for (var i = 0; i < _rejected.Length; i++)
            {
                total += Volatile.Read(ref _rejected[i]);
            }

            return total;
        }
    }

    /// <summary>
    /// Reassembly of fragmented messages: completed, lost by reason, duplicate, inconsistent and
    /// late fragments, and the bytes, incomplete messages and ended messages it holds now.
    /// </summary>
    public ReassemblyCounters Reassembly { get; }

    /// <summary>Secured groups' frames: sealed, verified, refused by reason (docs/security.md).</summary>
    public SecurityCounters Security { get; } = new();

    /// <summary>NACKs, confirmations, repairs and unrecoverable loss of the reliable groups (docs/reliability.md).</summary>
    public Reliability.ReliabilityCounters Reliability { get; } = new();

    /// <summary>Datagrams rejected as malformed for <paramref name="reason"/>.</summary>
    public long Rejected(FrameError reason) => Volatile.Read(ref _rejected[(int)reason]);

    internal void OnSent(int frames, long bytes)
    {
        Volatile.Write(ref _messagesSent, _messagesSent + 1);
        Volatile.Write(ref _framesSent, _framesSent + frames);
        Volatile.Write(ref _bytesSent, _bytesSent + bytes);
    }

    internal void OnFramesSent(int frames, long bytes)
    {
        Volatile.Write(ref _framesSent, _framesSent + frames);
        Volatile.Write(ref _bytesSent, _bytesSent + bytes);
    }

    internal void OnRequestSent() => Volatile.Write(ref _requestsSent, _requestsSent + 1);

    internal void OnReplySent() => Volatile.Write(ref _repliesSent, _repliesSent + 1);

    internal void OnRequestReceived() => Volatile.Write(ref _requestsReceived, _requestsReceived + 1);

    internal void OnReplyReceived() => Volatile.Write(ref _repliesReceived, _repliesReceived + 1);

    internal void OnPartialReceived() => Volatile.Write(ref _partialsReceived, _partialsReceived + 1);

    internal void OnControlRejected(ControlFrameRejection reason) => Volatile.Write(ref _controlRejected[(int)reason], _controlRejected[(int)reason] + 1);

    internal void OnPayloadRejected(AggregationError reason) => Volatile.Write(ref _payloadRejected[(int)reason], _payloadRejected[(int)reason] + 1);

    internal void OnFrameReceived() => Volatile.Write(ref _framesReceived, _framesReceived + 1);

    internal void OnMessageReceived() => Volatile.Write(ref _messagesReceived, _messagesReceived + 1);

    internal void OnDuplicate() => Volatile.Write(ref _duplicates, _duplicates + 1);

    internal void OnTooOld() => Volatile.Write(ref _tooOld, _tooOld + 1);

    internal void OnNotJoined() => Volatile.Write(ref _notJoined, _notJoined + 1);

    internal void OnUnsupported() => Volatile.Write(ref _unsupported, _unsupported + 1);

    internal void OnMessageLost() => Volatile.Write(ref _messagesLost, _messagesLost + 1);

    internal void OnRejected(FrameError reason) => Volatile.Write(ref _rejected[(int)reason], _rejected[(int)reason] + 1);
}
