using System.Collections;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Fragmentation;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Security;
using Bridge.Multicast.Security.ControlPlane;
using Bridge.Multicast.Security.Keys;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Endpoint;

/// <summary>
/// The protocol heart of a group socket (RFC 7046 §5: join, leave, send, receive), without any
/// I/O: it frames, numbers and fragments what the application sends, and decodes, filters,
/// reassembles and de-duplicates what the network delivers. A driver owns the sockets and the
/// clock and moves bytes and time in and out; the UDP drivers and the network simulator both
/// drive this same class.
/// </summary>
/// <remarks>
/// <para>Its methods are of four kinds, as in quinn-proto's <c>Connection</c>:</para>
/// <list type="bullet">
/// <item><description>getters: <see cref="SourceId"/>, <see cref="JoinedGroups"/>, <see cref="Counters"/>;</description></item>
/// <item><description>commands from the application: <see cref="Join"/>, <see cref="Leave"/>, <see cref="Send"/>, and for the reverse channel <see cref="SendRequest"/>, <see cref="SendReply"/>, <see cref="ListenForReplies"/>, <see cref="StopListeningForReplies"/>;</description></item>
/// <item><description>input from the driver: <see cref="HandleDatagram(TimeSpan, DateTimeOffset?, ReadOnlyMemory{byte})"/> for every datagram received on any interface of a joined group's address, <see cref="HandleTimeout"/> when the deadline from <see cref="PollTimeout"/> has come;</description></item>
/// <item><description>output to the driver: <see cref="TryPollTransmit"/> (datagrams to send), <see cref="TryPollEvent"/> (messages, requests, replies and news for the application), <see cref="PollTimeout"/> (when to call <see cref="HandleTimeout"/>).</description></item>
/// </list>
/// <para>Call order. After every command or input, the driver:</para>
/// <list type="number">
/// <item><description>drains <see cref="TryPollTransmit"/> and sends each datagram to its group's address on its technology;</description></item>
/// <item><description>drains <see cref="TryPollEvent"/> and hands the events to the application;</description></item>
/// <item><description>asks <see cref="PollTimeout"/> again and re-arms its one timer: a deadline replaces the previous one, and null disarms it.</description></item>
/// </list>
/// <para>Invariants:</para>
/// <list type="bullet">
/// <item><description>
/// Single-threaded: one driver thread calls every method (the counters alone may be read from
/// elsewhere). <c>now</c> is a monotonic time from the driver's clock (<c>TimeProvider.GetTimestamp</c>
/// turned into a <see cref="TimeSpan"/>, or the simulator's virtual time) and never goes back;
/// wire timestamps are the separate wall-clock argument of <see cref="Send"/>.
/// </description></item>
/// <item><description>
/// Messages are numbered per group from 1, whether or not this endpoint has joined the group,
/// and the numbering survives leaving and joining again, so receivers never see one number
/// reused. Every fragment of a message carries its number.
/// </description></item>
/// <item><description>
/// A message is delivered at most once per (group, source, sequence) while the group stays
/// joined and its number lies within <see cref="GroupEndpointOptions.DuplicateWindow"/> of the
/// newest delivered from that source; the same frame heard over IPv4 and IPv6 counts as one.
/// <see cref="NewSource"/> precedes the first <see cref="MessageReceived"/> of each (group, source).
/// </description></item>
/// <item><description>
/// Loss is never silent: a fragmented message that starts reassembly ends delivered or reported
/// as <see cref="MessageLost"/>, unless its group is left first; one too large for the
/// reassembly bound is reported at its first fragment. Its later fragments are dropped as late
/// for <see cref="ReassemblyOptions.Timeout"/> after it ended, so it is reported once as long as
/// no more than <see cref="ReassemblyOptions.MaxRememberedMessages"/> messages end in that time.
/// </description></item>
/// <item><description>
/// A peer's bytes never throw: a malformed datagram is counted under its <see cref="FrameError"/>
/// and reported as <see cref="FrameRejected"/>; a Request or Reply frame whose payload does not
/// decode is counted under its <see cref="Aggregation.AggregationError"/> and reported as
/// <see cref="PayloadRejected"/>; a frame for a group not joined is counted and dropped silently
/// (another name can share the address; replies are also heard for groups listened to with
/// <see cref="ListenForReplies"/>). Misuse of this API (a null group, an
/// atomic size with no room for payload, a message needing more than 65535 fragments, an
/// undefined content type) throws <see cref="ArgumentException"/> before anything is queued or numbered.
/// </description></item>
/// <item><description>
/// A <see cref="Transmit"/>'s datagram and a delivered message's payload are owned copies: they
/// stay valid after later calls. The received datagram is not kept after <see cref="HandleDatagram(TimeSpan, DateTimeOffset?, ReadOnlyMemory{byte})"/> returns.
/// </description></item>
/// <item><description>
/// Memory is bounded by the reassembly options for incomplete and recently ended messages
/// (<see cref="GroupEndpointCounters.Reassembly"/> shows what is held now) and by one window per
/// (joined group, source that delivered); leaving a group frees its share. Transmits and events
/// accumulate until polled, which is why the driver drains them after every call.
/// </description></item>
/// </list>
/// </remarks>
public sealed partial class GroupEndpoint
{
    private readonly GroupEndpointOptions _options;
    private readonly ControlFrameAuthenticator? _domainKeys;
    private readonly Reassembler _reassembler;
    private readonly Dictionary<byte[], JoinedGroup> _joined = new(WireNameComparer.Instance);
    private readonly Dictionary<byte[], JoinedGroup>.AlternateLookup<ReadOnlySpan<byte>> _joinedByWireName;
    private readonly Dictionary<byte[], ReplyListen> _listening = new(WireNameComparer.Instance);
    private readonly Dictionary<byte[], ReplyListen>.AlternateLookup<ReadOnlySpan<byte>> _listeningByWireName;
    private readonly Dictionary<string, SendingGroup> _sending = new(StringComparer.Ordinal);
    private readonly Dictionary<byte[], GroupProtection> _protected = new(WireNameComparer.Instance);
    private readonly Dictionary<byte[], GroupProtection>.AlternateLookup<ReadOnlySpan<byte>> _protectedByWireName;
    private readonly Queue<Transmit> _transmits = new();
    private readonly Queue<EndpointEvent> _events = new();

    /// <summary>Creates an endpoint that has joined no group.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting of <paramref name="options"/> is out of range.</exception>
    public GroupEndpoint(GroupEndpointOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _domainKeys = options.ControlKeys?.ForDomain();
        _reassembler = new Reassembler(options.Reassembly);
        _joinedByWireName = _joined.GetAlternateLookup<ReadOnlySpan<byte>>();
        _listeningByWireName = _listening.GetAlternateLookup<ReadOnlySpan<byte>>();
        _protectedByWireName = _protected.GetAlternateLookup<ReadOnlySpan<byte>>();
        Counters = new GroupEndpointCounters(_reassembler.Counters);
        JoinedGroups = new JoinedGroupCollection(_joined);
    }

    /// <summary>The source id this endpoint writes into every frame.</summary>
    public ulong SourceId => _options.SourceId;

    /// <summary>The settings in force.</summary>
    public GroupEndpointOptions Options => _options;

    /// <summary>The groups joined now: a live view, not to be enumerated across <see cref="Join"/> or <see cref="Leave"/>.</summary>
    public IReadOnlyCollection<GroupName> JoinedGroups { get; }

    /// <summary>Frames and bytes sent, messages received, rejected frames by reason, duplicates, not-joined, reassembly.</summary>
    public GroupEndpointCounters Counters { get; }

    /// <summary>Joins <paramref name="group"/>: its messages are delivered from now on. Joining again changes nothing.</summary>
    public void Join(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var wireName = Encoding.UTF8.GetBytes(group.WireName);
        _joined.TryAdd(wireName, new JoinedGroup(group));
    }

    /// <summary>
    /// Leaves <paramref name="group"/>: its frames are ignored from now on, its incomplete
    /// messages are dropped unreported, and what it knew of its sources is forgotten. Leaving a
    /// group not joined changes nothing.
    /// </summary>
    public void Leave(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var wireName = Encoding.UTF8.GetBytes(group.WireName);
        if (_joined.Remove(wireName))
        {
            _reassembler.Discard(wireName);
            ForgetReliableSources(wireName);
        }
    }

    /// <summary>
    /// Secures <paramref name="group"/>'s data frames with <paramref name="protection"/>
    /// (docs/security.md): from now on, what this endpoint sends to it carries a tag (and is
    /// encrypted, when the mode says so), and what it receives of it is taken only with a tag that
    /// verifies and only once. Null takes the protection away again. Groups never given one
    /// behave as before. Requests and replies are not covered: gateways rewrite a request's budget.
    /// </summary>
    public void Protect(GroupName group, GroupProtection? protection)
    {
        ArgumentNullException.ThrowIfNull(group);
        var wireName = Encoding.UTF8.GetBytes(group.WireName);
        if (protection is null)
        {
            _protected.Remove(wireName);
        }
        else
        {
            _protected[wireName] = protection;
        }
    }

    /// <summary>The protection of <paramref name="group"/>, or null for a group sent and taken as it is.</summary>
    public GroupProtection? ProtectionOf(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return _protectedByWireName.TryGetValue(Encoding.UTF8.GetBytes(group.WireName), out var protection) ? protection : null;
    }

    /// <summary>
    /// Numbers a message for <paramref name="group"/> (per group, from 1) and queues one
    /// <see cref="Transmit"/> per fragment: one when the frame fits
    /// <paramref name="atomicMessageSize"/> (default <see cref="GroupEndpointOptions.AtomicMessageSize"/>),
    /// else as many as it takes.
    /// </summary>
    /// <param name="now">The driver's monotonic time (unused for now; pacing and the repair cache of later issues need it).</param>
    /// <param name="timestampMicroseconds">The wall-clock send time for the frames, in microseconds since the Unix epoch.</param>
    /// <param name="group">The group to send to; it need not be joined.</param>
    /// <param name="payload">The message; copied into the datagrams before this returns.</param>
    /// <param name="contentType">What the payload holds.</param>
    /// <param name="atomicMessageSize">The largest datagram the technology carries whole, when not the default.</param>
    /// <param name="lastValue">Marks the message as the group's latest state (the LastValue flag), as a retained MQTT message is.</param>
    /// <exception cref="ArgumentException">
    /// No room for payload in the atomic size, more than 65535 fragments needed, an undefined
    /// content type, a timestamp outside years 1 to 9999, or a wire name the codec refuses.
    /// Nothing is queued and no number is used then.
    /// </exception>
    /// <exception cref="InvalidOperationException">
    /// The group is secured and this node holds no key valid at the timestamp to protect it with
    /// (counted in <see cref="SecurityCounters.Unsendable"/>). Nothing is queued then either.
    /// </exception>
    public void Send(TimeSpan now, long timestampMicroseconds, GroupName group, ReadOnlyMemory<byte> payload, ContentType contentType, int? atomicMessageSize = null, bool lastValue = false)
    {
        ArgumentNullException.ThrowIfNull(group);
        var atomic = atomicMessageSize ?? _options.AtomicMessageSize;
        ArgumentOutOfRangeException.ThrowIfLessThan(atomic, GroupEndpointOptions.MinAtomicMessageSize, nameof(atomicMessageSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(atomic, FrameCodec.DefaultMaxFrameSize, nameof(atomicMessageSize));
        if (!_sending.TryGetValue(group.WireName, out var sending))
        {
            sending = new SendingGroup(Encoding.UTF8.GetBytes(group.WireName));
            _sending.Add(group.WireName, sending);
        }

        GroupProtection? protection = null;
        SecurityKey? key = null;
        if (_protected.Count > 0 && _protectedByWireName.TryGetValue(sending.WireName, out protection))
        {
            key = protection.KeyForSending(FromMicroseconds(timestampMicroseconds));
            if (key is null)
            {
                Counters.Security.OnUnsendable();
                throw new InvalidOperationException($"group {group.WireName} is secured and no key of its ring is valid now to protect the message with");
            }
        }

        var tagLength = protection?.TagLength ?? 0;
        var flags = lastValue ? FrameFlags.LastValue : FrameFlags.None;
        if (protection is { Encrypts: true })
        {
            flags |= FrameFlags.Encrypted;
        }

        var fragments = MessageFragmenter.Split(
            new GridCastFrame
            {
                Type = FrameType.Data,
                Flags = flags,
                ContentType = contentType,
                Group = sending.WireName,
                SourceId = SourceId,
                Sequence = sending.LastSequence + 1,
                TimestampMicroseconds = timestampMicroseconds,
                Payload = payload,
            },
            atomic,
            tagLength);

        // Encode every fragment before queuing any: should the encoder refuse one, nothing is
        // half sent and the sequence number stays unused.
        long bytes = 0;
        if (fragments.Count == 1)
        {
            var datagram = EncodeOwned(fragments[0], atomic, protection, key);
            bytes = datagram.Length;
            _transmits.Enqueue(new Transmit(group, datagram));
            OnSentReliably(now, timestampMicroseconds, sending.WireName, sending.LastSequence + 1, [datagram]);
        }
        else
        {
            var datagrams = new byte[fragments.Count][];
            var i = 0;
            foreach (var fragment in fragments)
            {
                datagrams[i] = EncodeOwned(fragment, atomic, protection, key);
                bytes += datagrams[i].Length;
                i++;
            }

            foreach (var datagram in datagrams)
            {
                _transmits.Enqueue(new Transmit(group, datagram));
            }

            OnSentReliably(now, timestampMicroseconds, sending.WireName, sending.LastSequence + 1, datagrams);
        }

        sending.LastSequence++;
        Counters.OnSent(fragments.Count, bytes);
        if (protection is not null)
        {
            Counters.Security.OnSealed(fragments.Count);
        }
    }

    /// <summary>
    /// Queues a Request frame asking the members of <paramref name="group"/> for a reply
    /// (docs/wire-format.md §5.1.5): one whole frame, numbered in the group's reverse-channel
    /// sequence, which is apart from its data sequence so that data receivers see no gaps.
    /// </summary>
    /// <exception cref="ArgumentException">The request is invalid, or the frame does not fit <paramref name="atomicMessageSize"/>. Nothing is queued then.</exception>
    public void SendRequest(TimeSpan now, long timestampMicroseconds, GroupName group, AggregationRequest request, int? atomicMessageSize = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var error = request.Validate();
        if (error != AggregationError.None)
        {
            throw new ArgumentException($"the request is not valid: {error}", nameof(request));
        }

        SendWhole(timestampMicroseconds, group, FrameType.Request, AggregationRequestCodec.Encode(request), atomicMessageSize);
        Counters.OnRequestSent();
    }

    /// <summary>
    /// Queues a Reply frame answering a request on <paramref name="group"/> (docs/wire-format.md
    /// §5.1.7): one whole frame in the group's reverse-channel sequence.
    /// </summary>
    /// <exception cref="ArgumentException">The reply is invalid (value not finite or out of range, too much data), or the frame does not fit <paramref name="atomicMessageSize"/>. Nothing is queued then.</exception>
    public void SendReply(TimeSpan now, long timestampMicroseconds, GroupName group, Reply reply, int? atomicMessageSize = null)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var error = reply.Validate();
        if (error != AggregationError.None)
        {
            throw new ArgumentException($"the reply is not valid: {error}", nameof(reply));
        }

        SendWhole(timestampMicroseconds, group, FrameType.Reply, ReplyCodec.Encode(reply), atomicMessageSize);
        Counters.OnReplySent();
    }

    /// <summary>
    /// Delivers Reply frames of <paramref name="group"/> even while it is not joined: a source
    /// hears the replies to its request without becoming a member. Counted: each call needs one
    /// <see cref="StopListeningForReplies"/>. Returns true on the first.
    /// </summary>
    public bool ListenForReplies(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var wireName = Encoding.UTF8.GetBytes(group.WireName);
        if (_listening.TryGetValue(wireName, out var listen))
        {
            listen.Count++;
            return false;
        }

        _listening.Add(wireName, new ReplyListen(group));
        return true;
    }

    /// <summary>Ends one <see cref="ListenForReplies"/>; returns true when it was the last for the group.</summary>
    public bool StopListeningForReplies(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var wireName = Encoding.UTF8.GetBytes(group.WireName);
        if (!_listening.TryGetValue(wireName, out var listen))
        {
            return false;
        }

        if (--listen.Count > 0)
        {
            return false;
        }

        _listening.Remove(wireName);
        return true;
    }

    /// <summary>Whether Reply frames of <paramref name="group"/> are heard because of <see cref="ListenForReplies"/>.</summary>
    public bool IsListeningForReplies(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return _listeningByWireName.ContainsKey(Encoding.UTF8.GetBytes(group.WireName));
    }

    /// <summary>
    /// Takes one received datagram: decodes it (malformed: counted and reported as
    /// <see cref="FrameRejected"/>), ignores groups not joined, drops duplicates, reassembles
    /// fragments, and queues <see cref="NewSource"/> and <see cref="MessageReceived"/> events.
    /// </summary>
    /// <exception cref="InvalidOperationException">A frame of a secured group came in: those need the wall clock of the other overload.</exception>
    public void HandleDatagram(TimeSpan now, ReadOnlyMemory<byte> datagram) => HandleDatagram(now, null, datagram);

    /// <summary>
    /// Takes one received datagram as <see cref="HandleDatagram(TimeSpan, ReadOnlyMemory{byte})"/>
    /// does; a Data frame of a secured group (<see cref="Protect"/>) is first checked against its
    /// ring and replay windows at <paramref name="utcNow"/>, the driver's wall clock, and refused as
    /// <see cref="SecurityRejected"/> when it fails.
    /// </summary>
    public void HandleDatagram(TimeSpan now, DateTimeOffset? utcNow, ReadOnlyMemory<byte> datagram) => HandleDatagram(now, utcNow, datagram, null);

    /// <summary>
    /// Takes one received datagram as <see cref="HandleDatagram(TimeSpan, DateTimeOffset?, ReadOnlyMemory{byte})"/>
    /// does, except that a whole (unfragmented) Data message from a source already known in its
    /// group goes to <paramref name="sink"/> during the call, with its payload borrowed, instead of
    /// being copied into a queued <see cref="MessageReceived"/>: the steady state then allocates
    /// nothing. A source's first message, reassembled messages and everything else are queued as
    /// events as before, so <see cref="NewSource"/> still comes before a source's first message.
    /// </summary>
    public void HandleDatagram(TimeSpan now, DateTimeOffset? utcNow, ReadOnlyMemory<byte> datagram, IMessageSink? sink)
    {
        if (!FrameCodec.TryDecodeDatagram(datagram, out var frame, out var error))
        {
            Counters.OnRejected(error);
            _events.Enqueue(new FrameRejected(error, datagram.Length));
            return;
        }

        Counters.OnFrameReceived();
        if (utcNow is { } heardAt)
        {
            _lastWallClockMicroseconds = (heardAt - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond;
        }

        if (frame.Type == FrameType.RepairRequest)
        {
            // Not covered by group security (as requests are not): see docs/reliability.md.
            HandleRepairFrame(now, frame);
            return;
        }

        if (_protected.Count > 0 && frame.Type == FrameType.Data && _protectedByWireName.TryGetValue(frame.Group.Span, out var protection))
        {
            if (!_joinedByWireName.TryGetValue(frame.Group.Span, out var member))
            {
                Counters.OnNotJoined();
                return;
            }

            if (utcNow is not { } wallClock)
            {
                throw new InvalidOperationException("a secured group's frames are checked against the wall clock: pass utcNow");
            }

            var rejection = protection.Verify(datagram.Span, frame, wallClock, out var plaintext);
            if (rejection == SecurityRejection.None)
            {
                rejection = protection.CheckReplay(frame, now, wallClock);
            }

            if (rejection != SecurityRejection.None)
            {
                Counters.Security.OnRejected(rejection);
                _events.Enqueue(new SecurityRejected(member.Name, frame.SourceId, frame.Sequence, rejection, datagram.Length));
                return;
            }

            Counters.Security.OnVerified();
            if (plaintext is not null)
            {
                frame = frame with { Payload = plaintext, Flags = frame.Flags & ~FrameFlags.Encrypted };
            }
        }

        if ((frame.Flags & FrameFlags.Encrypted) != 0)
        {
            Counters.OnUnsupported();
            return;
        }

        if (frame.Type is FrameType.Request or FrameType.Reply or FrameType.PartialAggregate)
        {
            HandleReverseChannel(frame);
            return;
        }

        if (frame.Type != FrameType.Data)
        {
            Counters.OnUnsupported();
            return;
        }

        if (!_joinedByWireName.TryGetValue(frame.Group.Span, out var joined))
        {
            Counters.OnNotJoined();
            return;
        }

        var repairs = _reliable.Count > 0 ? OnDataHeard(now, joined.Name, frame) : null;
        if (joined.Sources.TryGetValue(frame.SourceId, out var window))
        {
            switch (window.Check(frame.Sequence))
            {
                case SequenceVerdict.Duplicate:
                    Counters.OnDuplicate();
                    return;
                case SequenceVerdict.TooOld when repairs?.IsMissing(frame.Sequence) != true:
                    // A reliable group's repair may come from further back than the window
                    // reaches; its missing-number table says whether it was delivered.
                    Counters.OnTooOld();
                    return;
            }
        }

        if (!frame.IsFragment)
        {
            // Reliable groups deliver through their repair bookkeeping (in-order release,
            // Retransmission accounting), so the borrowed-payload path is for endpoints without them.
            if (sink is not null && window is not null && _reliable.Count == 0)
            {
                window.Mark(frame.Sequence);
                Counters.OnMessageReceived();
                sink.OnMessage(new SinkMessage(
                    joined.Name, frame.Payload.Span, frame.ContentType, frame.SourceId, frame.Sequence, frame.TimestampMicroseconds, (frame.Flags & FrameFlags.LastValue) != 0));
                return;
            }

            // The common case skips the reassembler: nothing to hold, one copy of the payload.
            Deliver(joined, window, frame.SourceId, frame.Sequence, frame.ContentType, frame.Flags, frame.TimestampMicroseconds, frame.Payload.ToArray());
            return;
        }

        _reassembler.HandleFragment(now, frame, out var message);
        if (message is not null)
        {
            Deliver(joined, window, message.SourceId, message.Sequence, message.ContentType, message.Flags, message.TimestampMicroseconds, message.Payload);
        }

        ReportLosses();
    }

    /// <summary>Gives up on incomplete messages whose reassembly time has run out, queuing <see cref="MessageLost"/> for each.</summary>
    public void HandleTimeout(TimeSpan now)
    {
        _reassembler.HandleTimeout(now);
        ReportLosses();
        if (_reliable.Count > 0)
        {
            HandleReliableTimeout(now);
        }
    }

    /// <summary>The next datagram to send, oldest first.</summary>
    public bool TryPollTransmit(out Transmit transmit) => _transmits.TryDequeue(out transmit);

    /// <summary>The next event for the application, oldest first.</summary>
    public bool TryPollEvent([MaybeNullWhen(false)] out EndpointEvent endpointEvent) =>
        _events.TryDequeue(out endpointEvent);

    /// <summary>When <see cref="HandleTimeout"/> is next due, or null when nothing waits on time.</summary>
    public TimeSpan? PollTimeout()
    {
        var next = _reassembler.PollTimeout();
        if (_reliable.Count > 0 && PollReliableTimeout() is { } reliableDue && (next is null || reliableDue < next))
        {
            next = reliableDue;
        }

        return next;
    }

    private void SendWhole(long timestampMicroseconds, GroupName group, FrameType type, byte[] payload, int? atomicMessageSize)
    {
        ArgumentNullException.ThrowIfNull(group);
        var atomic = atomicMessageSize ?? _options.AtomicMessageSize;
        if (!_sending.TryGetValue(group.WireName, out var sending))
        {
            sending = new SendingGroup(Encoding.UTF8.GetBytes(group.WireName));
            _sending.Add(group.WireName, sending);
        }

        var frame = new GridCastFrame
        {
            Type = type,
            ContentType = ContentType.Raw,
            Group = sending.WireName,
            SourceId = SourceId,
            Sequence = sending.LastReverseSequence + 1,
            TimestampMicroseconds = timestampMicroseconds,
            Payload = payload,
        };

        // Requests and replies are never fragmented: a receiver takes them whole or not at all.
        var size = FrameCodec.GetEncodedSize(frame.Group.Length, frame.Payload.Length, _domainKeys is null ? 0 : ControlFrameAuthenticator.TagLength);
        if (size > atomic)
        {
            throw new ArgumentException($"a {type} frame of {size} bytes does not fit the atomic message size {atomic}", nameof(atomicMessageSize));
        }

        var datagram = _domainKeys?.Seal(frame) ?? EncodeOwned(frame, atomic);
        _transmits.Enqueue(new Transmit(group, datagram));
        sending.LastReverseSequence++;
        Counters.OnFramesSent(1, datagram.Length);
    }

    private void HandleReverseChannel(in GridCastFrame frame)
    {
        if (frame.IsFragment)
        {
            // Senders never fragment requests and replies (SendWhole), so there is nothing to reassemble.
            Counters.OnUnsupported();
            return;
        }

        if (frame.Type == FrameType.Request)
        {
            if (!_joinedByWireName.TryGetValue(frame.Group.Span, out var joined))
            {
                Counters.OnNotJoined();
                return;
            }

            // A request heard twice (over IPv4 and IPv6, or on two interfaces) is answered once.
            if (joined.RequestSources.TryGetValue(frame.SourceId, out var window))
            {
                switch (window.Check(frame.Sequence))
                {
                    case SequenceVerdict.Duplicate:
                        Counters.OnDuplicate();
                        return;
                    case SequenceVerdict.TooOld:
                        Counters.OnTooOld();
                        return;
                }
            }

            if (!IsAuthentic(frame, joined.Name))
            {
                return;
            }

            if (!AggregationRequestCodec.TryDecode(frame.Payload.Span, out var request, out var error))
            {
                PayloadRejected(frame, joined.Name, error);
                return;
            }

            if (window is null)
            {
                joined.RequestSources.Add(frame.SourceId, new SequenceWindow(_options.DuplicateWindow, frame.Sequence));
            }
            else
            {
                window.Mark(frame.Sequence);
            }

            Counters.OnRequestReceived();
            _events.Enqueue(new RequestReceived(joined.Name, frame.SourceId, request));
            return;
        }

        GroupName group;
        if (_joinedByWireName.TryGetValue(frame.Group.Span, out var member))
        {
            group = member.Name;
        }
        else if (_listeningByWireName.TryGetValue(frame.Group.Span, out var listen))
        {
            group = listen.Name;
        }
        else
        {
            Counters.OnNotJoined();
            return;
        }

        if (!IsAuthentic(frame, group))
        {
            return;
        }

        if (frame.Type == FrameType.PartialAggregate)
        {
            // A gateway's partial for a source in this domain (whole: gateways never fragment one
            // into a domain). The aggregator takes one per gateway, so copies need no filter here.
            if (!PartialAggregateCodec.TryDecode(frame.Payload.Span, out var partial, out var partialError))
            {
                PayloadRejected(frame, group, partialError);
                return;
            }

            Counters.OnPartialReceived();
            _events.Enqueue(new PartialReceived(group, frame.SourceId, partial));
            return;
        }

        // Replies are not de-duplicated here: the aggregator counts each member once per request
        // whatever path its copies took (docs/aggregation.md, "Exactly once").
        if (!ReplyCodec.TryDecode(frame.Payload.Span, out var reply, out var replyError))
        {
            PayloadRejected(frame, group, replyError);
            return;
        }

        Counters.OnReplyReceived();
        _events.Enqueue(new ReplyReceived(group, frame.SourceId, reply));
    }

    /// <summary>Whether a reverse-channel frame passes the domain key's checks; every frame passes without a key. A refusal is counted and raised.</summary>
    private bool IsAuthentic(in GridCastFrame frame, GroupName group)
    {
        if (_domainKeys is null)
        {
            return true;
        }

        var refused = _domainKeys.Verify(frame);
        if (refused == ControlFrameRejection.None)
        {
            return true;
        }

        Counters.OnControlRejected(refused);
        _events.Enqueue(new ControlFrameRefused(group, frame.SourceId, frame.Type, refused));
        return false;
    }

    private void PayloadRejected(in GridCastFrame frame, GroupName group, AggregationError error)
    {
        Counters.OnPayloadRejected(error);
        _events.Enqueue(new PayloadRejected(group, frame.SourceId, frame.Type, error));
    }

    private static byte[] EncodeOwned(in GridCastFrame frame, int atomicMessageSize)
    {
        var datagram = new byte[FrameCodec.GetEncodedSize(frame)];
        FrameCodec.Encode(frame, datagram, atomicMessageSize);
        return datagram;
    }

    private static byte[] EncodeOwned(in GridCastFrame frame, int atomicMessageSize, GroupProtection? protection, SecurityKey? key)
    {
        if (protection is null || key is null)
        {
            return EncodeOwned(frame, atomicMessageSize);
        }

        // The tag's bytes are written by Seal; the encoder only needs to know its length.
        var datagram = EncodeOwned(frame with { Tag = new byte[protection.TagLength] }, atomicMessageSize);
        protection.Seal(datagram, frame.Group.Length, frame.Payload.Length, key);
        return datagram;
    }

    private static DateTimeOffset FromMicroseconds(long timestampMicroseconds) =>
        DateTimeOffset.UnixEpoch.AddTicks(timestampMicroseconds * TimeSpan.TicksPerMicrosecond);

    private void Deliver(JoinedGroup joined, SequenceWindow? window, ulong sourceId, ulong sequence, ContentType contentType, FrameFlags flags, long timestampMicroseconds, ReadOnlyMemory<byte> payload)
    {
        if (window is null)
        {
            joined.Sources.Add(sourceId, new SequenceWindow(_options.DuplicateWindow, sequence));
            _events.Enqueue(new NewSource(joined.Name, sourceId));
        }
        else if (window.Check(sequence) != SequenceVerdict.TooOld)
        {
            // A repair from behind the window is not marked: its bit now stands for a newer number.
            window.Mark(sequence);
        }

        Counters.OnMessageReceived();
        var sentAt = DateTimeOffset.UnixEpoch.AddTicks(timestampMicroseconds * TimeSpan.TicksPerMicrosecond);
        var delivered = new MessageReceived(new GroupMessage(joined.Name, payload, contentType, sourceId, sequence, sentAt) { IsLastValue = (flags & FrameFlags.LastValue) != 0 });
        if (_reliable.Count == 0)
        {
            _events.Enqueue(delivered);
        }
        else
        {
            EnqueueDelivered(Encoding.UTF8.GetBytes(joined.Name.WireName), delivered, (flags & FrameFlags.Retransmission) != 0);
        }
    }

    private void ReportLosses()
    {
        while (_reassembler.TryPollLost(out var lost))
        {
            // Leaving a group discards its incomplete messages, so every loss is of a joined group.
            if (!_joinedByWireName.TryGetValue(lost.Group.Span, out var joined))
            {
                continue;
            }

            var reason = lost.Reason switch
            {
                ReassemblyLoss.Expired => MessageLost.ReasonExpired,
                ReassemblyLoss.Evicted => MessageLost.ReasonEvicted,
                ReassemblyLoss.Inconsistent => MessageLost.ReasonInconsistent,
                ReassemblyLoss.TooLarge => MessageLost.ReasonTooLarge,
                _ => throw new UnreachableException($"reassembly loss {lost.Reason} has no reason string"),
            };
            Counters.OnMessageLost();
            _events.Enqueue(new MessageLost(joined.Name, lost.SourceId, lost.Sequence, reason));
        }
    }

    /// <summary>A joined group: its name as the application gave it, and a window per source that delivered.</summary>
    private sealed class JoinedGroup(GroupName name)
    {
        public GroupName Name { get; } = name;

        public Dictionary<ulong, SequenceWindow> Sources { get; } = [];

        /// <summary>Requests are numbered apart from data, so they have windows of their own.</summary>
        public Dictionary<ulong, SequenceWindow> RequestSources { get; } = [];
    }

    /// <summary>A group whose replies are heard without joining it, and how many asked for that.</summary>
    private sealed class ReplyListen(GroupName name)
    {
        public GroupName Name { get; } = name;

        public int Count { get; set; } = 1;
    }

    /// <summary>A group sent to: its wire name in UTF-8 and the last sequence number used.</summary>
    private sealed class SendingGroup(byte[] wireName)
    {
        public byte[] WireName { get; } = wireName;

        public ulong LastSequence { get; set; }

        /// <summary>The last number of a Request or Reply: a sequence apart from data's.</summary>
        public ulong LastReverseSequence { get; set; }
    }

    /// <summary>The joined groups' names, read from the joined-group table without copying it.</summary>
    private sealed class JoinedGroupCollection(Dictionary<byte[], JoinedGroup> joined) : IReadOnlyCollection<GroupName>
    {
        public int Count => joined.Count;

        public IEnumerator<GroupName> GetEnumerator()
        {
            foreach (var group in joined.Values)
            {
                yield return group.Name;
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
