using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Fragmentation;

/// <summary>
/// Puts fragmented messages back together, keyed by (source id, group name, sequence), within
/// fixed bounds of memory and time. Sans-IO: no sockets, no clock, no randomness; the caller
/// passes the current time as <c>now</c>, a monotonic <see cref="TimeSpan"/>.
/// </summary>
/// <remarks>
/// <para>Methods, as in quinn-proto's <c>Connection</c>:</para>
/// <list type="bullet">
/// <item><description>input: <see cref="HandleFragment"/> for every decoded frame, <see cref="HandleTimeout"/> when the time <see cref="PollTimeout"/> gave has come;</description></item>
/// <item><description>output: <see cref="TryPollLost"/>, drained after each input, for the messages given up on;</description></item>
/// <item><description>command: <see cref="Discard"/> to forget a group's messages (after leaving it);</description></item>
/// <item><description>getters: <see cref="Counters"/>, <see cref="PendingMessages"/>, <see cref="BufferedBytes"/>, <see cref="RememberedMessages"/>.</description></item>
/// </list>
/// <para>Invariants:</para>
/// <list type="bullet">
/// <item><description>
/// <see cref="BufferedBytes"/> ≤ <see cref="ReassemblyOptions.MaxBufferedBytes"/>,
/// <see cref="PendingMessages"/> ≤ <see cref="ReassemblyOptions.MaxPendingMessages"/> and
/// <see cref="RememberedMessages"/> ≤ <see cref="ReassemblyOptions.MaxRememberedMessages"/> after
/// every call, whatever peers send. A message reserves its whole length at its first fragment,
/// checked against the bound before anything is buffered; to make room, the oldest incomplete
/// messages are evicted. A message longer than the bound is refused and evicts nothing.
/// </description></item>
/// <item><description>
/// Incomplete messages are kept in order of their first fragment; since <c>now</c> never goes
/// back, that is also the order of their deadlines (first fragment + timeout), so the oldest
/// is both the one evicted first and the one that expires first.
/// </description></item>
/// <item><description>
/// Every message that starts, at its first fragment, ends exactly once: completed (returned), or
/// lost (expired, evicted, inconsistent, or too large at that first fragment; reported once by
/// <see cref="TryPollLost"/>), or discarded (<see cref="Discard"/>).
/// </description></item>
/// <item><description>
/// A message that ended, completed or lost, is remembered for <see cref="ReassemblyOptions.Timeout"/>
/// after it ended (the deadline, for one that expired): its later fragments are dropped as
/// <see cref="ReassemblyCounters.LateFragments"/>, so a straggler neither starts a reassembly
/// that would evict another message, nor gets the message reported twice, nor makes a delivered
/// message "expire". When more messages end within the timeout than
/// <see cref="ReassemblyOptions.MaxRememberedMessages"/>, the one that ended first is forgotten early.
/// </description></item>
/// <item><description>
/// Time is only ever compared with the <c>now</c> of a call: every input first expires and
/// forgets what is due, so no message completes after its deadline and a late
/// <see cref="HandleTimeout"/> cannot change any outcome. Forgetting needs no timer of its own.
/// </description></item>
/// </list>
/// <para>
/// Fragments come from <see cref="FrameCodec"/>, which has checked each one's fields on its own
/// (<see cref="FragmentLayout.TryDescribe"/>); the reassembler checks that the fragments of one
/// message agree. A whole message (fragment count 1) passes straight through and is not
/// remembered: suppressing duplicates of delivered messages beyond the timeout is the caller's job.
/// </para>
/// </remarks>
public sealed class Reassembler
{
    private readonly Dictionary<MessageKey, PendingMessage> _pending = [];
    private readonly Queue<LostMessage> _lost = new();

    // Ended messages, first ended first, which is also the order in which they are forgotten:
    // an end is recorded at the input's now, except that an expired message ends at its
    // deadline, which lies after the previous input's now (or it would have expired then).
    private readonly HashSet<MessageKey> _remembered = [];
    private readonly Queue<(MessageKey Key, TimeSpan ForgetAt)> _rememberedOrder = new();
    private PendingMessage? _oldest;
    private PendingMessage? _newest;

    /// <summary>Creates a reassembler with the given bounds, or the defaults.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A bound is not positive.</exception>
    public Reassembler(ReassemblyOptions? options = null)
    {
        Options = options ?? new ReassemblyOptions();
        Options.Validate();
    }

    /// <summary>The bounds in force.</summary>
    public ReassemblyOptions Options { get; }

    /// <summary>Completed, lost by reason, duplicate, inconsistent and late counts, and what is held now.</summary>
    public ReassemblyCounters Counters { get; } = new();

    /// <summary>Incomplete messages held now.</summary>
    public int PendingMessages => _pending.Count;

    /// <summary>Bytes reserved by the incomplete messages held now.</summary>
    public long BufferedBytes { get; private set; }

    /// <summary>Ended messages remembered now, whose later fragments are dropped as late.</summary>
    public int RememberedMessages => _remembered.Count;

    /// <summary>
    /// Takes one fragment. Returns whether it was accepted (buffered, or it completed its message);
    /// <paramref name="message"/> is the whole message when this fragment completed it. A frame
    /// with fragment count 1 is a whole message and comes straight back.
    /// </summary>
    /// <remarks>
    /// Not accepted: a fragment already held (<see cref="ReassemblyCounters.DuplicateFragments"/>);
    /// one that contradicts its message's other fragments, which drops that message too
    /// (<see cref="ReassemblyCounters.InconsistentFragments"/>, reported as
    /// <see cref="ReassemblyLoss.Inconsistent"/>); the first fragment of a message longer than
    /// <see cref="ReassemblyOptions.MaxBufferedBytes"/> (<see cref="ReassemblyCounters.Refused"/>,
    /// reported as <see cref="ReassemblyLoss.TooLarge"/>); and any fragment of a message that has
    /// ended and is still remembered (<see cref="ReassemblyCounters.LateFragments"/>, not reported).
    /// </remarks>
    /// <exception cref="ArgumentException">
    /// The frame's fragment fields are ones the decoder rejects: the caller did not take it from
    /// <see cref="FrameCodec"/>.
    /// </exception>
    public bool HandleFragment(TimeSpan now, in GridCastFrame fragment, out ReassembledMessage? message)
    {
        message = null;
        var error = FragmentLayout.TryDescribe(fragment.FragmentIndex, fragment.FragmentCount, (uint)fragment.Payload.Length, fragment.MessageLength, out var layout);
        if (error != FrameError.None)
        {
            throw new ArgumentException($"not a fragment the decoder accepts ({error})", nameof(fragment));
        }

        ExpireDue(now);
        if (fragment.FragmentCount == 1)
        {
            Counters.OnCompleted();
            message = new ReassembledMessage(
                fragment.Group.ToArray(),
                fragment.SourceId,
                fragment.Sequence,
                fragment.Type,
                fragment.Flags,
                fragment.ContentType,
                fragment.TimestampMicroseconds,
                fragment.Payload.ToArray());
            return true;
        }

        // The lookup key borrows the frame's group bytes; only a stored key owns a copy.
        var lookup = new MessageKey(fragment.SourceId, fragment.Sequence, fragment.Group);
        if (_pending.TryGetValue(lookup, out var pending))
        {
            if (!pending.Agrees(layout, fragment))
            {
                Counters.OnInconsistentFragment();
                Drop(pending, ReassemblyLoss.Inconsistent, endedAt: now);
                return false;
            }

            if (pending.Has(fragment.FragmentIndex))
            {
                Counters.OnDuplicateFragment();
                return false;
            }
        }
        else if (_remembered.Contains(lookup))
        {
            Counters.OnLateFragment();
            return false;
        }
        else
        {
            if (layout.MessageLength > Options.MaxBufferedBytes || layout.MessageLength > Array.MaxLength)
            {
                // Refused before anything is buffered or evicted, and reported once: its other
                // fragments find the key remembered.
                Counters.OnRefused();
                var key = new MessageKey(fragment.SourceId, fragment.Sequence, fragment.Group.ToArray());
                _lost.Enqueue(new LostMessage(key.Group, key.SourceId, key.Sequence, ReassemblyLoss.TooLarge, 1, layout.FragmentCount));
                Remember(key, now);
                return false;
            }

            while (_oldest is not null && (_pending.Count >= Options.MaxPendingMessages || BufferedBytes + layout.MessageLength > Options.MaxBufferedBytes))
            {
                Counters.OnEvicted();
                Drop(_oldest, ReassemblyLoss.Evicted, endedAt: now);
            }

            pending = new PendingMessage(new MessageKey(fragment.SourceId, fragment.Sequence, fragment.Group.ToArray()), layout, fragment, now + Options.Timeout);
            Add(pending);
        }

        pending.Store(fragment);
        if (!pending.IsComplete)
        {
            return true;
        }

        Remove(pending);
        Remember(pending.Key, now);
        Counters.OnCompleted();
        message = pending.ToMessage();
        return true;
    }

    /// <summary>
    /// Drops, as <see cref="ReassemblyLoss.Expired"/>, every incomplete message whose deadline is
    /// at or before <paramref name="now"/>, and forgets the ended messages whose time is up.
    /// </summary>
    public void HandleTimeout(TimeSpan now) => ExpireDue(now);

    /// <summary>The earliest deadline of an incomplete message, or null when none is held.</summary>
    public TimeSpan? PollTimeout() => _oldest?.Deadline;

    /// <summary>The next message given up on, oldest loss first.</summary>
    public bool TryPollLost(out LostMessage lost) => _lost.TryDequeue(out lost);

    /// <summary>
    /// Forgets every incomplete message of the group with wire name <paramref name="group"/>
    /// (UTF-8), without reporting them lost, and every ended one it remembers of that group;
    /// returns how many incomplete messages there were.
    /// </summary>
    public int Discard(ReadOnlySpan<byte> group)
    {
        var discarded = 0;
        for (var pending = _oldest; pending is not null;)
        {
            var next = pending.Newer;
            if (pending.Key.Group.Span.SequenceEqual(group))
            {
                Remove(pending);
                discarded++;
            }

            pending = next;
        }

        // One turn of the queue keeps the others in order.
        for (var i = _rememberedOrder.Count; i > 0; i--)
        {
            var entry = _rememberedOrder.Dequeue();
            if (entry.Key.Group.Span.SequenceEqual(group))
            {
                _remembered.Remove(entry.Key);
            }
            else
            {
                _rememberedOrder.Enqueue(entry);
            }
        }

        Counters.SetRemembered(_remembered.Count);
        return discarded;
    }

    private void ExpireDue(TimeSpan now)
    {
        while (_oldest is not null && _oldest.Deadline <= now)
        {
            Counters.OnExpired();
            Drop(_oldest, ReassemblyLoss.Expired, endedAt: _oldest.Deadline);
        }

        // After expiring: a message that expired long before this input is forgotten at once.
        while (_rememberedOrder.TryPeek(out var entry) && entry.ForgetAt <= now)
        {
            _rememberedOrder.Dequeue();
            _remembered.Remove(entry.Key);
        }

        Counters.SetRemembered(_remembered.Count);
    }

    private void Drop(PendingMessage pending, ReassemblyLoss reason, TimeSpan endedAt)
    {
        Remove(pending);
        Remember(pending.Key, endedAt);
        _lost.Enqueue(new LostMessage(pending.Key.Group, pending.Key.SourceId, pending.Key.Sequence, reason, pending.Received, pending.Layout.FragmentCount));
    }

    private void Remember(MessageKey key, TimeSpan endedAt)
    {
        if (_rememberedOrder.Count == Options.MaxRememberedMessages)
        {
            _remembered.Remove(_rememberedOrder.Dequeue().Key);
        }

        _remembered.Add(key);
        _rememberedOrder.Enqueue((key, endedAt + Options.Timeout));
        Counters.SetRemembered(_remembered.Count);
    }

    private void Add(PendingMessage pending)
    {
        _pending.Add(pending.Key, pending);
        BufferedBytes += pending.Layout.MessageLength;
        Counters.SetHeld(_pending.Count, BufferedBytes);
        pending.Older = _newest;
        if (_newest is null)
        {
            _oldest = pending;
        }
        else
        {
            _newest.Newer = pending;
        }

        _newest = pending;
    }

    private void Remove(PendingMessage pending)
    {
        _pending.Remove(pending.Key);
        BufferedBytes -= pending.Layout.MessageLength;
        Counters.SetHeld(_pending.Count, BufferedBytes);
        if (pending.Older is null)
        {
            _oldest = pending.Newer;
        }
        else
        {
            pending.Older.Newer = pending.Newer;
        }

        if (pending.Newer is null)
        {
            _newest = pending.Older;
        }
        else
        {
            pending.Newer.Older = pending.Older;
        }

        pending.Older = null;
        pending.Newer = null;
    }

    /// <summary>Identifies a message: its source, its sequence number and its group's wire name.</summary>
    private readonly struct MessageKey(ulong sourceId, ulong sequence, ReadOnlyMemory<byte> group) : IEquatable<MessageKey>
    {
        public ulong SourceId { get; } = sourceId;

        public ulong Sequence { get; } = sequence;

        public ReadOnlyMemory<byte> Group { get; } = group;

        public bool Equals(MessageKey other) =>
            SourceId == other.SourceId && Sequence == other.Sequence && Group.Span.SequenceEqual(other.Group.Span);

        public override bool Equals(object? obj) => obj is MessageKey other && Equals(other);

        public override int GetHashCode() => HashCode.Combine(SourceId, Sequence, GroupHash.Compute(Group.Span));
    }

    /// <summary>An incomplete message: its buffer, which fragments arrived, and its place in the age order.</summary>
    private sealed class PendingMessage
    {
        private readonly byte[] _buffer;
        private readonly ulong[] _received;
        private readonly FrameType _type;
        private readonly ContentType _contentType;
        private readonly long _timestampMicroseconds;
        /// <summary>Flags that may differ between the fragments of one message: repair copies, and frames a gateway brought in.</summary>
        private const FrameFlags IgnoredFlags = FrameFlags.Retransmission | FrameFlags.Relayed;

        private FrameFlags _flags;

        public PendingMessage(MessageKey key, FragmentLayout layout, in GridCastFrame first, TimeSpan deadline)
        {
            Key = key;
            Layout = layout;
            Deadline = deadline;
            _buffer = new byte[layout.MessageLength];
            _received = new ulong[(layout.FragmentCount + 63) / 64];
            _type = first.Type;
            _contentType = first.ContentType;
            _timestampMicroseconds = first.TimestampMicroseconds;
            _flags = first.Flags;
        }

        public MessageKey Key { get; }

        public FragmentLayout Layout { get; }

        public TimeSpan Deadline { get; }

        public int Received { get; private set; }

        public bool IsComplete => Received == Layout.FragmentCount;

        public PendingMessage? Older { get; set; }

        public PendingMessage? Newer { get; set; }

        /// <summary>
        /// Whether <paramref name="fragment"/> can be part of this message: the same layout (count,
        /// length, fragment size), type, content type and message flags. Only the retransmission
        /// flag may differ, since any one fragment may be a repair copy.
        /// </summary>
        public bool Agrees(FragmentLayout layout, in GridCastFrame fragment) =>
            layout == Layout
            && fragment.Type == _type
            && fragment.ContentType == _contentType
            && (fragment.Flags & ~IgnoredFlags) == (_flags & ~IgnoredFlags);

        public bool Has(int index) => (_received[index >> 6] & (1UL << (index & 63))) != 0;

        public void Store(in GridCastFrame fragment)
        {
            int index = fragment.FragmentIndex;
            fragment.Payload.Span.CopyTo(_buffer.AsSpan((int)Layout.OffsetOf(index)));
            _received[index >> 6] |= 1UL << (index & 63);
            _flags |= fragment.Flags & FrameFlags.Retransmission;
            Received++;
        }

        public ReassembledMessage ToMessage() =>
            new(Key.Group, Key.SourceId, Key.Sequence, _type, _flags, _contentType, _timestampMicroseconds, _buffer);
    }
}
