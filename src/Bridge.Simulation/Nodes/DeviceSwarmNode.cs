using System.Buffers;
using System.Text;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;

namespace Bridge.Simulation.Nodes;

/// <summary>
/// All the devices of one domain in one node: <see cref="Count"/> members of one group with the
/// consecutive member ids from <see cref="FirstMemberId"/>. On a Request of its group it sends one
/// real Reply frame per device (ReplyCodec payload, FrameCodec frame, source id = member id, as
/// <c>MulticastSocket.ReplyAsync</c> sends it) into the domain, each at its device's own delay;
/// a Data frame of its group counts as delivered to every device.
/// </summary>
/// <remarks>
/// <para>Why one node and not a node per device: a domain hands each datagram to every other
/// member, so a million device nodes would cost a million deliveries per reply. Here a reply
/// reaches only the domain's other members (its gateways, and the source in its own domain), which
/// is all that reads replies; devices ignore each other's replies anyway. A Data frame costs one
/// delivery and is counted <see cref="Count"/> times.</para>
/// <para>Each device answers a request once, as a <c>GroupEndpoint</c> answers a request heard
/// twice once: a second copy of a request (duplication on the domain) is counted and ignored.
/// Values come from <see cref="MeterReadings"/>, so a test knows the exact expected aggregate.</para>
/// </remarks>
public sealed class DeviceSwarmNode : ISimulatedNode
{
    private readonly byte[] _groupWire;
    private readonly MeterReadings _readings;

    // Devices in the order they answer: reply delays ascending (ties by member id).
    private readonly long[] _delayTicks;
    private readonly int[] _order;

    private readonly List<Round> _rounds = [];
    private readonly HashSet<ulong> _answered = [];
    private readonly Dictionary<(ulong Source, ulong Sequence), int> _dataSeen = [];
    private readonly Dictionary<(ulong Source, ulong Sequence), TimeSpan> _firstSeenAt = [];
    private readonly ArrayBufferWriter<byte> _payload = new(ReplyCodec.MaxEncodedSize);
    private byte[] _datagram = [];
    private TimeSpan _now;

    /// <summary>Creates the swarm; <paramref name="replySpread"/> bounds how long a device takes to answer.</summary>
    public DeviceSwarmNode(DomainId domain, GroupName group, ulong firstMemberId, int count, MeterReadings readings, TimeSpan replySpread)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(readings);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfZero(firstMemberId);
        Domain = domain;
        Group = group;
        _groupWire = Encoding.UTF8.GetBytes(group.WireName);
        FirstMemberId = firstMemberId;
        Count = count;
        _readings = readings;
        _delayTicks = new long[count];
        _order = new int[count];
        for (var i = 0; i < count; i++)
        {
            _delayTicks[i] = readings.ReplyDelay(firstMemberId + (ulong)i, replySpread).Ticks;
            _order[i] = i;
        }

        // Stable for equal delays only with an index tie-break: Array.Sort is not stable.
        Array.Sort(_order, (a, b) => _delayTicks[a] != _delayTicks[b] ? _delayTicks[a].CompareTo(_delayTicks[b]) : a.CompareTo(b));
        var sorted = new long[count];
        for (var i = 0; i < count; i++)
        {
            sorted[i] = _delayTicks[_order[i]];
        }

        _delayTicks = sorted;
    }

    /// <summary>The group the devices have joined.</summary>
    public GroupName Group { get; }

    /// <summary>The domain the devices are on.</summary>
    public DomainId Domain { get; }

    /// <summary>The first member id; the devices are FirstMemberId to FirstMemberId + Count − 1.</summary>
    public ulong FirstMemberId { get; }

    /// <summary>How many devices this node stands for.</summary>
    public int Count { get; }

    /// <summary>Whether the swarm answers requests (false: its devices stay silent, as if they were switched off).</summary>
    public bool Answering { get; set; } = true;

    /// <summary>Reply frames sent since the start.</summary>
    public long RepliesSent { get; private set; }

    /// <summary>Distinct requests answered.</summary>
    public int RequestsAnswered => _answered.Count;

    /// <summary>Copies of a request already answered (the domain duplicated it, or two gateways sent it).</summary>
    public long DuplicateRequests { get; private set; }

    /// <summary>Data frames of the group received, duplicates included.</summary>
    public long DataFramesReceived { get; private set; }

    /// <summary>Data frames received a second time (same source and sequence).</summary>
    public long DuplicateDataFrames { get; private set; }

    /// <summary>Messages delivered to devices: each Data frame counts once per device, duplicates excluded.</summary>
    public long DeviceDeliveries { get; private set; }

    /// <summary>Frames of other groups or kinds heard on the domain (election hellos, mostly).</summary>
    public long OtherFrames { get; private set; }

    /// <summary>How often each Data message (source, sequence) reached this domain.</summary>
    public int TimesReceived(ulong source, ulong sequence) => _dataSeen.GetValueOrDefault((source, sequence));

    /// <summary>When a Data message (source, sequence) first reached this domain's devices, or null if it has not.</summary>
    public TimeSpan? FirstReceivedAt(ulong source, ulong sequence)
        => _firstSeenAt.TryGetValue((source, sequence), out var at) ? at : null;

    /// <summary>Whether <paramref name="memberId"/> is one of this swarm's devices.</summary>
    public bool Holds(ulong memberId) => memberId >= FirstMemberId && memberId - FirstMemberId < (ulong)Count;

    /// <inheritdoc/>
    public void HandleDatagram(TimeSpan now, NodeId from, ReadOnlyMemory<byte> datagram)
    {
        _now = now;
        if (!FrameCodec.TryDecodeDatagram(datagram, out var frame, out _) || !frame.Group.Span.SequenceEqual(_groupWire))
        {
            OtherFrames++;
            return;
        }

        switch (frame.Type)
        {
            case FrameType.Data:
                DataFramesReceived++;
                var key = (frame.SourceId, frame.Sequence);
                var times = _dataSeen.GetValueOrDefault(key) + 1;
                _dataSeen[key] = times;
                if (times == 1)
                {
                    _firstSeenAt[key] = now;
                    DeviceDeliveries += Count;
                }
                else
                {
                    DuplicateDataFrames++;
                }

                break;
            case FrameType.Request when !frame.IsFragment && AggregationRequestCodec.TryDecode(frame.Payload.Span, out var request, out _):
                if (!_answered.Add(request.RequestId))
                {
                    DuplicateRequests++;
                }
                else if (Answering && Count > 0)
                {
                    _rounds.Add(new Round(request.RequestId, now, (ulong)_answered.Count));
                }

                break;
            default:
                OtherFrames++;
                break;
        }
    }

    /// <inheritdoc/>
    public void HandleTimeout(TimeSpan now) => _now = now;

    /// <inheritdoc/>
    public bool TryPollTransmit(out SimTransmit transmit)
    {
        for (var r = 0; r < _rounds.Count; r++)
        {
            var round = _rounds[r];
            if (round.Next < Count && round.HeardAt.Ticks + _delayTicks[round.Next] <= _now.Ticks)
            {
                var memberId = FirstMemberId + (ulong)_order[round.Next];
                round.Next++;
                if (round.Next == Count)
                {
                    _rounds.RemoveAt(r);
                }

                transmit = SimTransmit.ToDomain(Domain, EncodeReply(round, memberId));
                RepliesSent++;
                return true;
            }
        }

        transmit = default;
        return false;
    }

    /// <inheritdoc/>
    public TimeSpan? PollTimeout()
    {
        TimeSpan? next = null;
        foreach (var round in _rounds)
        {
            var at = round.HeardAt + TimeSpan.FromTicks(_delayTicks[round.Next]);
            if (next is null || at < next)
            {
                next = at;
            }
        }

        return next;
    }

    /// <summary>A Reply frame of one device, encoded into the node's one buffer (the simulator copies it).</summary>
    private ReadOnlyMemory<byte> EncodeReply(Round round, ulong memberId)
    {
        _payload.ResetWrittenCount();
        ReplyCodec.Encode(new Reply(round.RequestId, memberId, _readings.Value(round.RequestId, memberId)), _payload);
        var frame = new GridCastFrame
        {
            Type = FrameType.Reply,
            ContentType = ContentType.Raw,
            Group = _groupWire,
            SourceId = memberId,

            // Each device's own reverse-channel sequence: its n-th answer is number n.
            Sequence = round.Sequence,
            TimestampMicroseconds = (long)_now.TotalMicroseconds,
            Payload = _payload.WrittenMemory,
        };
        var size = FrameCodec.GetEncodedSize(frame);
        if (_datagram.Length != size)
        {
            _datagram = new byte[size];
        }

        FrameCodec.Encode(frame, _datagram);
        return _datagram;
    }

    private sealed class Round(ulong requestId, TimeSpan heardAt, ulong sequence)
    {
        public ulong RequestId { get; } = requestId;

        public ulong Sequence { get; } = sequence;

        public TimeSpan HeardAt { get; } = heardAt;

        /// <summary>Position in the answering order of the next device to reply.</summary>
        public int Next { get; set; }
    }
}
