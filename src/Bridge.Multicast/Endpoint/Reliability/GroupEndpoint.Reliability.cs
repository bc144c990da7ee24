using System.Text;
using Bridge.Multicast.Endpoint.Reliability;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Endpoint;

/// <summary>The reliable groups of a <see cref="GroupEndpoint"/> (docs/reliability.md): repair caches, NACKs, repairs and the loss reported.</summary>
public sealed partial class GroupEndpoint
{
    private readonly Dictionary<byte[], ReliableGroup> _reliable = new(WireNameComparer.Instance);
    private readonly List<RepairOutput> _repairOutputs = [];
    private readonly List<LostNumbers> _lostNumbers = [];
    private readonly List<ulong> _nackNumbers = [];
    private readonly List<MessageReceived> _released = [];
    private ulong _lastControlSequence;
    private long _lastWallClockMicroseconds;

    /// <summary>
    /// Makes <paramref name="group"/> reliable with <paramref name="options"/>, or best-effort
    /// again with null. What this endpoint sends to it from now on is kept in a repair cache and
    /// repaired when receivers NACK it; what it receives of it from now on is checked for gaps per
    /// source, NACKed, and, when it cannot be repaired, reported as <see cref="UnrecoverableLoss"/>.
    /// Every member and the sender must agree; a best-effort endpoint ignores the NACKs.
    /// </summary>
    /// <exception cref="InvalidOperationException">The endpoint was made without <see cref="GroupEndpointOptions.Random"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting of <paramref name="options"/> is out of range.</exception>
    public void MakeReliable(GroupName group, ReliableGroupOptions? options)
    {
        ArgumentNullException.ThrowIfNull(group);
        var wireName = Encoding.UTF8.GetBytes(group.WireName);
        if (options is null)
        {
            _reliable.Remove(wireName);
            UpdateCacheCounters();
            return;
        }

        options.Validate();
        if (_options.Random is null)
        {
            throw new InvalidOperationException("a reliable group needs GroupEndpointOptions.Random for its NACK back-off");
        }

        _reliable[wireName] = new ReliableGroup(group, wireName, options);
    }

    /// <summary>The reliability settings of <paramref name="group"/>, or null for a best-effort group.</summary>
    public ReliableGroupOptions? ReliabilityOf(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return _reliable.TryGetValue(Encoding.UTF8.GetBytes(group.WireName), out var reliable) ? reliable.Options : null;
    }

    private ReliableGroup? FindReliable(ReadOnlySpan<byte> wireName) =>
        _reliable.Count > 0 && _reliable.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(wireName, out var reliable) ? reliable : null;

    private void OnSentReliably(TimeSpan now, long timestampMicroseconds, byte[] wireName, ulong sequence, IReadOnlyList<byte[]> datagrams)
    {
        _lastWallClockMicroseconds = timestampMicroseconds;
        if (FindReliable(wireName) is not { } reliable)
        {
            return;
        }

        reliable.Sender ??= new RepairSender(SourceId, reliable.Options);
        reliable.Sender.OnSent(now, sequence, datagrams);
        UpdateCacheCounters();
    }

    private void ForgetReliableSources(byte[] wireName)
    {
        if (FindReliable(wireName) is { } reliable)
        {
            reliable.Receivers.Clear();
        }
    }

    /// <summary>A data frame of a joined group passed its checks: for a reliable group, note the numbers it shows missing.</summary>
    private RepairReceiver? OnDataHeard(TimeSpan now, GroupName group, in GridCastFrame frame)
    {
        if (FindReliable(frame.Group.Span) is not { } reliable)
        {
            return null;
        }

        if (!reliable.Receivers.TryGetValue(frame.SourceId, out var receiver))
        {
            // A repair meant for others is not where this receiver came in: starting from it would
            // NACK history from before the join.
            if ((frame.Flags & FrameFlags.Retransmission) != 0)
            {
                return null;
            }

            receiver = new RepairReceiver(reliable.Options, _options.Random!, frame.Sequence);
            reliable.Receivers.Add(frame.SourceId, receiver);
            return receiver;
        }

        receiver.OnHeard(now, frame.Sequence, _lostNumbers);
        ReportLost(group, frame.SourceId, receiver);
        return receiver;
    }

    /// <summary>Queues a delivered message, through the reliable group's order keeping when it has one.</summary>
    private void EnqueueDelivered(ReadOnlySpan<byte> wireName, MessageReceived delivered, bool retransmission)
    {
        if (FindReliable(wireName) is not { } reliable
            || !reliable.Receivers.TryGetValue(delivered.Message.SourceId, out var receiver))
        {
            _events.Enqueue(delivered);
            return;
        }

        if (retransmission && receiver.IsMissing(delivered.Message.Sequence))
        {
            Counters.Reliability.OnRepairReceived();
        }

        receiver.OnDelivered(delivered, _released);
        foreach (var message in _released)
        {
            _events.Enqueue(message);
        }

        _released.Clear();
    }

    private void HandleRepairFrame(TimeSpan now, in GridCastFrame frame)
    {
        if (frame.SourceId == SourceId)
        {
            // Our own frame, looped back by the network.
            return;
        }

        if (FindReliable(frame.Group.Span) is not { } reliable)
        {
            Counters.OnNotJoined();
            return;
        }

        if (frame.IsFragment || !RepairMessage.TryDecode(frame.Payload.Span, out var message, out _))
        {
            Counters.Reliability.OnRejected();
            return;
        }

        if (message.Kind == RepairMessageKind.Nack && message.Target == SourceId)
        {
            if (reliable.Sender is { } sender)
            {
                Counters.Reliability.OnNackHeard();
                _events.Enqueue(new RepairRequested(reliable.Name, frame.SourceId));
                sender.HandleNack(now, frame.SourceId, message.Ranges, Counters.Reliability, _repairOutputs);
                FlushRepairOutputs(reliable);
            }

            return;
        }

        // What is said about a source is heard only by members that already track it.
        if (!_joinedByWireName.ContainsKey(frame.Group.Span) || !reliable.Receivers.TryGetValue(message.Target, out var receiver))
        {
            return;
        }

        switch (message.Kind)
        {
            case RepairMessageKind.Nack:
            case RepairMessageKind.Confirm:
                receiver.OnNackHeard(now, message.Ranges, Counters.Reliability);
                break;
            case RepairMessageKind.Unavailable:
                receiver.OnUnavailable(message.Ranges, _lostNumbers);
                break;
            case RepairMessageKind.SourceStatus:
                receiver.OnStatus(now, message.Ranges[0].Last, _lostNumbers);
                break;
        }

        ReportLost(reliable.Name, message.Target, receiver);
    }

    private void HandleReliableTimeout(TimeSpan now)
    {
        foreach (var reliable in _reliable.Values)
        {
            if (reliable.Sender is { } sender)
            {
                sender.HandleTimeout(now, Counters.Reliability, _repairOutputs);
                FlushRepairOutputs(reliable);
            }

            foreach (var (sourceId, receiver) in reliable.Receivers)
            {
                receiver.HandleTimeout(now, _nackNumbers, _lostNumbers);
                if (_nackNumbers.Count > 0)
                {
                    var ranges = RepairMessage.ToRanges(_nackNumbers);
                    for (var i = 0; i < ranges.Count; i += RepairMessage.MaxRanges)
                    {
                        var slice = ranges.GetRange(i, Math.Min(RepairMessage.MaxRanges, ranges.Count - i));
                        QueueControl(reliable, new RepairMessage(RepairMessageKind.Nack, sourceId, slice));
                        Counters.Reliability.OnNackSent((int)slice.Sum(r => (long)r.Count));
                    }

                    _nackNumbers.Clear();
                }

                ReportLost(reliable.Name, sourceId, receiver);
            }
        }

        UpdateCacheCounters();
    }

    private TimeSpan? PollReliableTimeout()
    {
        TimeSpan? next = null;
        foreach (var reliable in _reliable.Values)
        {
            if (reliable.Sender?.PollTimeout() is { } senderDue && (next is null || senderDue < next))
            {
                next = senderDue;
            }

            foreach (var receiver in reliable.Receivers.Values)
            {
                if (receiver.PollTimeout() is { } due && (next is null || due < next))
                {
                    next = due;
                }
            }
        }

        return next;
    }

    private void ReportLost(GroupName group, ulong sourceId, RepairReceiver receiver)
    {
        if (_lostNumbers.Count == 0)
        {
            return;
        }

        foreach (var lost in _lostNumbers)
        {
            Counters.Reliability.OnUnrecoverable(lost.Range.Count);
            _events.Enqueue(new UnrecoverableLoss(group, sourceId, lost.Range.First, lost.Range.Last, lost.Reason));
        }

        _lostNumbers.Clear();
        receiver.ReleaseHeld(_released);
        foreach (var message in _released)
        {
            _events.Enqueue(message);
        }

        _released.Clear();
    }

    private void FlushRepairOutputs(ReliableGroup reliable)
    {
        foreach (var output in _repairOutputs)
        {
            if (output.Control is { } control)
            {
                QueueControl(reliable, control);
            }
            else
            {
                foreach (var datagram in output.Repair!)
                {
                    _transmits.Enqueue(new Transmit(reliable.Name, datagram) { UnicastTo = output.UnicastTo });
                    Counters.OnFramesSent(1, datagram.Length);
                }
            }
        }

        _repairOutputs.Clear();
    }

    private void QueueControl(ReliableGroup reliable, RepairMessage message)
    {
        var frame = new GridCastFrame
        {
            Type = FrameType.RepairRequest,
            ContentType = ContentType.Raw,
            Group = reliable.WireName,
            SourceId = SourceId,
            Sequence = ++_lastControlSequence,
            TimestampMicroseconds = _lastWallClockMicroseconds,
            Payload = message.Encode(),
        };
        var datagram = EncodeOwned(frame, FrameCodec.DefaultMaxFrameSize);
        _transmits.Enqueue(new Transmit(reliable.Name, datagram));
        Counters.OnFramesSent(1, datagram.Length);
    }

    private void UpdateCacheCounters()
    {
        long bytes = 0;
        long messages = 0;
        foreach (var reliable in _reliable.Values)
        {
            if (reliable.Sender is { } sender)
            {
                bytes += sender.Cache.Bytes;
                messages += sender.Cache.Count;
            }
        }

        Counters.Reliability.SetCache(bytes, messages);
    }

    /// <summary>A reliable group: its settings, the sending side once this endpoint sent to it, and a receiving side per source heard.</summary>
    private sealed class ReliableGroup(GroupName name, byte[] wireName, ReliableGroupOptions options)
    {
        public GroupName Name { get; } = name;

        public byte[] WireName { get; } = wireName;

        public ReliableGroupOptions Options { get; } = options;

        public RepairSender? Sender { get; set; }

        public Dictionary<ulong, RepairReceiver> Receivers { get; } = [];
    }
}
