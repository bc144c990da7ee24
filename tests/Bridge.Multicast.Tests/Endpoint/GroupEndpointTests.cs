using System.Buffers;
using Bridge.Multicast.Endpoint;
using Bridge.Multicast.Fragmentation;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Bridge.Multicast.Tests.Endpoint;

/// <summary>
/// <see cref="GroupEndpoint"/>, two of them wired by hand: what one sends the other receives,
/// whole or in fragments, once, for joined groups only; what could not be reassembled is reported
/// lost once; peers' garbage is counted, never thrown; time moves only when the test says so.
/// </summary>
public sealed class GroupEndpointTests
{
    private const long Timestamp = 1_700_000_000_000_000;
    private static readonly GroupName Tariffs = GroupName.Parse("ham:ip:239.192.0.7:5000");
    private static readonly GroupName Setpoints = GroupName.Parse("ham:ip:239.192.0.8:5000");
    private static readonly TimeSpan T0 = TimeSpan.FromSeconds(10);

    private readonly GroupEndpoint _sender = new(new GroupEndpointOptions { SourceId = 0x5E4D });
    private readonly GroupEndpoint _receiver = new(new GroupEndpointOptions { SourceId = 0x7EC5 });

    [Fact]
    public void Send_SmallMessage_ReceiverGetsNewSourceThenMessage()
    {
        _receiver.Join(Tariffs);

        _sender.Send(T0, Timestamp, Tariffs, "0.28 EUR/kWh"u8.ToArray(), ContentType.MqttPublish);
        Deliver(_sender, _receiver);

        var events = Events(_receiver);
        Assert.Equal(2, events.Count);
        Assert.Equal(new NewSource(Tariffs, 0x5E4D), events[0]);
        var message = Assert.IsType<MessageReceived>(events[1]).Message;
        Assert.Equal(Tariffs, message.Group);
        Assert.Equal("0.28 EUR/kWh"u8.ToArray(), message.Payload.ToArray());
        Assert.Equal(ContentType.MqttPublish, message.ContentType);
        Assert.Equal(0x5E4DUL, message.SourceId);
        Assert.Equal(1UL, message.Sequence);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(Timestamp / 1000), message.SentAt);
        Assert.Equal(1, _receiver.Counters.MessagesReceived);
    }

    [Fact]
    public void Send_SmallMessage_QueuesOneTransmitForTheGroupAndCountsIt()
    {
        _sender.Send(T0, Timestamp, Tariffs, new byte[100], ContentType.Raw);

        Assert.True(_sender.TryPollTransmit(out var transmit));
        Assert.False(_sender.TryPollTransmit(out _));
        Assert.Equal(Tariffs, transmit.Group);
        Assert.Equal(FrameCodec.GetEncodedSize(Tariffs.WireName.Length, 100), transmit.Datagram.Length);
        Assert.Equal((1L, 1L, (long)transmit.Datagram.Length), (_sender.Counters.MessagesSent, _sender.Counters.FramesSent, _sender.Counters.BytesSent));
    }

    [Fact]
    public void Send_SeveralMessages_NumbersEachGroupFromOne()
    {
        _sender.Send(T0, Timestamp, Tariffs, "a"u8.ToArray(), ContentType.Raw);
        _sender.Send(T0, Timestamp, Setpoints, "b"u8.ToArray(), ContentType.Raw);
        _sender.Send(T0, Timestamp, Tariffs, "c"u8.ToArray(), ContentType.Raw);

        var sequences = Transmits(_sender).Select(t => (t.Group, Decode(t.Datagram).Sequence));

        Assert.Equal([(Tariffs, 1UL), (Setpoints, 1UL), (Tariffs, 2UL)], sequences);
    }

    [Fact]
    public void Send_AfterLeaveAndJoin_KeepsNumbering()
    {
        _sender.Join(Tariffs);
        _sender.Send(T0, Timestamp, Tariffs, "a"u8.ToArray(), ContentType.Raw);
        _sender.Leave(Tariffs);
        _sender.Join(Tariffs);

        _sender.Send(T0, Timestamp, Tariffs, "b"u8.ToArray(), ContentType.Raw);

        Assert.Equal([1UL, 2UL], Transmits(_sender).Select(t => Decode(t.Datagram).Sequence));
    }

    [Fact]
    public void Send_LargeMessage_FragmentsFitAtomicSizeAndReassembleAtReceiver()
    {
        _receiver.Join(Tariffs);
        var payload = Payload(10_000);

        _sender.Send(T0, Timestamp, Tariffs, payload, ContentType.AmqpMessage);
        var transmits = Transmits(_sender);
        foreach (var transmit in transmits)
        {
            _receiver.HandleDatagram(T0, transmit.Datagram);
        }

        Assert.Equal(8, transmits.Count); // 10 000 bytes at 1399 per fragment
        Assert.All(transmits, t => Assert.InRange(t.Datagram.Length, 1, _sender.Options.AtomicMessageSize));
        Assert.All(transmits, t => Assert.Equal(1UL, Decode(t.Datagram).Sequence));
        var message = Assert.Single(Messages(_receiver));
        Assert.Equal(payload, message.Payload.ToArray());
        Assert.Equal(ContentType.AmqpMessage, message.ContentType);
        Assert.Equal((8L, 1L), (_sender.Counters.FramesSent, _sender.Counters.MessagesSent));
        Assert.Equal(1, _receiver.Counters.Reassembly.Completed);
        Assert.Null(_receiver.PollTimeout());
    }

    [Property(Arbitrary = [typeof(EndpointCases)], MaxTest = 100)]
    public void HandleDatagram_FragmentsShuffledAndDuplicated_DeliversMessageOnce(ShuffledSend test)
    {
        var sender = new GroupEndpoint(new GroupEndpointOptions { SourceId = 1 });
        var receiver = new GroupEndpoint(new GroupEndpointOptions { SourceId = 2 });
        receiver.Join(Tariffs);
        var payload = Payload(test.PayloadLength);
        sender.Send(T0, Timestamp, Tariffs, payload, ContentType.Raw, test.AtomicSize);
        var transmits = Transmits(sender);

        foreach (var index in test.Order(transmits.Count))
        {
            receiver.HandleDatagram(T0, transmits[index].Datagram);
        }

        var message = Assert.Single(Messages(receiver));
        Assert.Equal(payload, message.Payload.ToArray());
        Assert.Null(receiver.PollTimeout());
    }

    [Fact]
    public void Send_AtomicSizeArgument_OverridesDefault()
    {
        _sender.Send(T0, Timestamp, Tariffs, new byte[1000], ContentType.Raw, atomicMessageSize: 500);

        var transmits = Transmits(_sender);

        Assert.Equal(3, transmits.Count); // 427 payload bytes per fragment
        Assert.All(transmits, t => Assert.InRange(t.Datagram.Length, 1, 500));
    }

    [Fact]
    public void HandleDatagram_SameDatagramTwice_DeliversOnceAndCountsDuplicate()
    {
        _receiver.Join(Tariffs);
        _sender.Send(T0, Timestamp, Tariffs, "once"u8.ToArray(), ContentType.Raw);
        var transmit = Transmits(_sender).Single();

        // One socket hears the frame over IPv4 and over IPv6.
        _receiver.HandleDatagram(T0, transmit.Datagram);
        _receiver.HandleDatagram(T0, transmit.Datagram);

        Assert.Single(Messages(_receiver));
        Assert.Equal(1, _receiver.Counters.Duplicates);
    }

    [Fact]
    public void HandleDatagram_FragmentedMessageHeardTwice_DeliversOnceAndLeavesNothingPending()
    {
        _receiver.Join(Tariffs);
        _sender.Send(T0, Timestamp, Tariffs, Payload(5000), ContentType.Raw);
        var transmits = Transmits(_sender);

        foreach (var transmit in transmits.Concat(transmits))
        {
            _receiver.HandleDatagram(T0, transmit.Datagram);
        }

        Assert.Single(Messages(_receiver));
        Assert.Equal(transmits.Count, _receiver.Counters.Duplicates);
        Assert.Null(_receiver.PollTimeout());
        _receiver.HandleTimeout(T0 + TimeSpan.FromMinutes(1));
        Assert.Empty(Events(_receiver));
    }

    [Fact]
    public void HandleDatagram_MessagesOutOfOrder_DeliversEachOnce()
    {
        _receiver.Join(Tariffs);
        for (var i = 0; i < 5; i++)
        {
            _sender.Send(T0, Timestamp, Tariffs, new[] { (byte)i }, ContentType.Raw);
        }

        var transmits = Transmits(_sender);
        foreach (var index in new[] { 3, 0, 4, 1, 3, 2, 0 })
        {
            _receiver.HandleDatagram(T0, transmits[index].Datagram);
        }

        Assert.Equal([4UL, 1UL, 5UL, 2UL, 3UL], Messages(_receiver).Select(m => m.Sequence));
        Assert.Equal(2, _receiver.Counters.Duplicates);
    }

    [Fact]
    public void HandleDatagram_SequenceBehindDuplicateWindow_IsDroppedAsTooOld()
    {
        var receiver = new GroupEndpoint(new GroupEndpointOptions { SourceId = 2, DuplicateWindow = 64 });
        receiver.Join(Tariffs);

        receiver.HandleDatagram(T0, Frame(Tariffs, sequence: 100));
        receiver.HandleDatagram(T0, Frame(Tariffs, sequence: 37)); // 63 behind: inside
        receiver.HandleDatagram(T0, Frame(Tariffs, sequence: 36)); // 64 behind: outside

        Assert.Equal([100UL, 37UL], Messages(receiver).Select(m => m.Sequence));
        Assert.Equal(1, receiver.Counters.TooOld);
    }

    [Fact]
    public void HandleDatagram_GroupNotJoined_IsIgnoredAndCounted()
    {
        _receiver.Join(Setpoints);
        _sender.Send(T0, Timestamp, Tariffs, "not yours"u8.ToArray(), ContentType.Raw);

        Deliver(_sender, _receiver);

        Assert.Empty(Events(_receiver));
        Assert.Equal(1, _receiver.Counters.NotJoined);
        Assert.Equal(1, _receiver.Counters.FramesReceived);
    }

    [Fact]
    public void HandleDatagram_NewSource_RaisedOncePerGroupAndSource()
    {
        var other = new GroupEndpoint(new GroupEndpointOptions { SourceId = 0x0B });
        _receiver.Join(Tariffs);
        _receiver.Join(Setpoints);

        _sender.Send(T0, Timestamp, Tariffs, "1"u8.ToArray(), ContentType.Raw);
        _sender.Send(T0, Timestamp, Tariffs, "2"u8.ToArray(), ContentType.Raw);
        _sender.Send(T0, Timestamp, Setpoints, "3"u8.ToArray(), ContentType.Raw);
        other.Send(T0, Timestamp, Tariffs, "4"u8.ToArray(), ContentType.Raw);
        Deliver(_sender, _receiver);
        Deliver(other, _receiver);

        var sources = Events(_receiver).OfType<NewSource>();

        Assert.Equal([new NewSource(Tariffs, 0x5E4D), new NewSource(Setpoints, 0x5E4D), new NewSource(Tariffs, 0x0B)], sources);
    }

    public static TheoryData<string, byte[], FrameError> Garbage() => new()
    {
        { "empty", [], FrameError.Truncated },
        { "text", "hello, multicast"u8.ToArray(), FrameError.BadMagic },
        { "magic and version only", [0x47, 0x43, 0x01], FrameError.Truncated },
        { "version 9", [0x47, 0x43, 0x09], FrameError.UnsupportedVersion },
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public void HandleDatagram_Malformed_CountsReasonAndRaisesFrameRejected(string garbage, byte[] datagram, FrameError reason)
    {
        _receiver.Join(Tariffs);

        _receiver.HandleDatagram(T0, datagram);

        Assert.Equal(new FrameRejected(reason, datagram.Length), Assert.Single(Events(_receiver)));
        Assert.True(_receiver.Counters.Rejected(reason) == 1, garbage);
        Assert.Equal(1, _receiver.Counters.RejectedTotal);
        Assert.Equal(0, _receiver.Counters.FramesReceived);
    }

    [Property(MaxTest = 300)]
    public void HandleDatagram_AnyBytes_NeverThrows(byte[] datagram, byte offset)
    {
        var receiver = new GroupEndpoint(new GroupEndpointOptions { SourceId = 2 });
        receiver.Join(Tariffs);

        // Random bytes, and a valid frame with random bytes written over part of it.
        var patched = Frame(Tariffs, sequence: 1);
        var start = offset % patched.Length;
        datagram.AsSpan(0, Math.Min(datagram.Length, patched.Length - start)).CopyTo(patched.AsSpan(start));
        receiver.HandleDatagram(T0, datagram);
        receiver.HandleDatagram(T0, patched);
        receiver.HandleTimeout(T0 + TimeSpan.FromHours(1));

        Assert.Equal(2, receiver.Counters.RejectedTotal + receiver.Counters.FramesReceived);
    }

    [Fact]
    public void Leave_StopsDelivery()
    {
        _receiver.Join(Tariffs);
        _sender.Send(T0, Timestamp, Tariffs, "before"u8.ToArray(), ContentType.Raw);
        Deliver(_sender, _receiver);
        Assert.Single(Messages(_receiver));

        _receiver.Leave(Tariffs);
        _sender.Send(T0, Timestamp, Tariffs, "after"u8.ToArray(), ContentType.Raw);
        Deliver(_sender, _receiver);

        Assert.Empty(Events(_receiver));
        Assert.Empty(_receiver.JoinedGroups);
        Assert.Equal(1, _receiver.Counters.NotJoined);
    }

    [Fact]
    public void Leave_WithMessageHalfReceived_DropsItWithoutReportingLoss()
    {
        _receiver.Join(Tariffs);
        _sender.Send(T0, Timestamp, Tariffs, Payload(3000), ContentType.Raw);
        _receiver.HandleDatagram(T0, Transmits(_sender)[0].Datagram);
        Assert.NotNull(_receiver.PollTimeout());

        _receiver.Leave(Tariffs);
        _receiver.HandleTimeout(T0 + TimeSpan.FromMinutes(1));

        Assert.Null(_receiver.PollTimeout());
        Assert.Empty(Events(_receiver));
    }

    [Fact]
    public void JoinLeave_Repeated_TrackJoinedGroups()
    {
        _receiver.Join(Tariffs);
        _receiver.Join(Tariffs);
        _receiver.Join(Setpoints);
        _receiver.Leave(Setpoints);
        _receiver.Leave(Setpoints);

        Assert.Equal([Tariffs], _receiver.JoinedGroups);
    }

    [Fact]
    public void HandleTimeout_FragmentMissing_ReportsMessageLostAtDeadlineOnly()
    {
        _receiver.Join(Tariffs);
        _sender.Send(T0, Timestamp, Tariffs, Payload(3000), ContentType.Raw);
        var transmits = Transmits(_sender);
        _receiver.HandleDatagram(T0, transmits[0].Datagram);
        _receiver.HandleDatagram(T0 + TimeSpan.FromMilliseconds(5), transmits[2].Datagram);
        var deadline = T0 + _receiver.Options.Reassembly.Timeout;
        Assert.Equal(deadline, _receiver.PollTimeout());

        _receiver.HandleTimeout(deadline - TimeSpan.FromTicks(1));
        Assert.Empty(Events(_receiver));
        _receiver.HandleTimeout(deadline);

        Assert.Equal(new MessageLost(Tariffs, 0x5E4D, 1, MessageLost.ReasonExpired), Assert.Single(Events(_receiver)));
        Assert.Equal(1, _receiver.Counters.MessagesLost);
        Assert.Equal(1, _receiver.Counters.Reassembly.Expired);
        Assert.Null(_receiver.PollTimeout());
    }

    [Fact]
    public void HandleDatagram_ReassemblyFull_ReportsEvictedMessageLost()
    {
        var receiver = new GroupEndpoint(new GroupEndpointOptions { SourceId = 2, Reassembly = new ReassemblyOptions { MaxPendingMessages = 1 } });
        receiver.Join(Tariffs);
        _sender.Send(T0, Timestamp, Tariffs, Payload(3000), ContentType.Raw);
        _sender.Send(T0, Timestamp, Tariffs, Payload(3000), ContentType.Raw);
        var transmits = Transmits(_sender); // 3 fragments each

        receiver.HandleDatagram(T0, transmits[0].Datagram);
        receiver.HandleDatagram(T0, transmits[3].Datagram);

        Assert.Equal(new MessageLost(Tariffs, 0x5E4D, 1, MessageLost.ReasonEvicted), Assert.Single(Events(receiver)));
    }

    [Fact]
    public void HandleDatagram_ReassemblyFullWithMessagesInterleaved_ReportsEvictedOnceAndDeliversTheOther()
    {
        var receiver = new GroupEndpoint(new GroupEndpointOptions { SourceId = 2, Reassembly = new ReassemblyOptions { MaxPendingMessages = 1 } });
        receiver.Join(Tariffs);
        _sender.Send(T0, Timestamp, Tariffs, Payload(3000), ContentType.Raw);
        _sender.Send(T0, Timestamp, Tariffs, Payload(3000), ContentType.Raw);
        var transmits = Transmits(_sender); // 3 fragments each

        // Room for one message: the first is evicted by the second, and its stragglers must not
        // take the room back.
        foreach (var index in new[] { 0, 3, 1, 4, 2, 5 })
        {
            receiver.HandleDatagram(T0, transmits[index].Datagram);
        }

        receiver.HandleTimeout(T0 + TimeSpan.FromMinutes(1));

        var events = Events(receiver);
        Assert.Equal(new MessageLost(Tariffs, 0x5E4D, 1, MessageLost.ReasonEvicted), events[0]);
        Assert.Equal([2UL], events.OfType<MessageReceived>().Select(e => e.Message.Sequence));
        Assert.Single(events, e => e is MessageLost);
        Assert.Equal(1, receiver.Counters.MessagesLost);
        Assert.Equal(2, receiver.Counters.Reassembly.LateFragments);
    }

    [Fact]
    public void HandleDatagram_MessageLongerThanReassemblyBound_ReportsItLostOnceAsTooLarge()
    {
        var receiver = new GroupEndpoint(new GroupEndpointOptions { SourceId = 2, Reassembly = new ReassemblyOptions { MaxBufferedBytes = 2999 } });
        receiver.Join(Tariffs);
        _sender.Send(T0, Timestamp, Tariffs, Payload(3000), ContentType.Raw);

        Deliver(_sender, receiver);

        Assert.Equal(new MessageLost(Tariffs, 0x5E4D, 1, MessageLost.ReasonTooLarge), Assert.Single(Events(receiver)));
        Assert.Equal(1, receiver.Counters.MessagesLost);
        Assert.Equal((1L, 2L), (receiver.Counters.Reassembly.Refused, receiver.Counters.Reassembly.LateFragments));
        Assert.Equal(0, receiver.Counters.Reassembly.BufferedBytes);
        Assert.Null(receiver.PollTimeout());
    }

    [Fact]
    public void Counters_Reassembly_ShowWhatIsHeldNowAndLeaveFreesIt()
    {
        _receiver.Join(Tariffs);
        _sender.Send(T0, Timestamp, Tariffs, Payload(3000), ContentType.Raw);
        _sender.Send(T0, Timestamp, Tariffs, Payload(5000), ContentType.Raw);
        var transmits = Transmits(_sender); // 3 then 4 fragments
        _receiver.HandleDatagram(T0, transmits[0].Datagram);
        _receiver.HandleDatagram(T0, transmits[3].Datagram);
        var reassembly = _receiver.Counters.Reassembly;

        Assert.Equal((2L, 8000L, 0L), (reassembly.PendingMessages, reassembly.BufferedBytes, reassembly.RememberedMessages));
        _receiver.HandleDatagram(T0, transmits[1].Datagram);
        _receiver.HandleDatagram(T0, transmits[2].Datagram);
        Assert.Equal((1L, 5000L, 1L), (reassembly.PendingMessages, reassembly.BufferedBytes, reassembly.RememberedMessages));

        _receiver.Leave(Tariffs);

        Assert.Equal((0L, 0L, 0L), (reassembly.PendingMessages, reassembly.BufferedBytes, reassembly.RememberedMessages));
    }

    [Fact]
    public void HandleDatagram_ContradictoryFragment_ReportsMessageLostInconsistent()
    {
        _receiver.Join(Tariffs);
        _sender.Send(T0, Timestamp, Tariffs, Payload(3000), ContentType.Raw);
        _receiver.HandleDatagram(T0, Transmits(_sender)[0].Datagram);

        // The same source and sequence, but a message of another length: one of them lies.
        var liar = new GroupEndpoint(new GroupEndpointOptions { SourceId = 0x5E4D });
        liar.Send(T0, Timestamp, Tariffs, Payload(4000), ContentType.Raw);
        _receiver.HandleDatagram(T0, Transmits(liar)[1].Datagram);

        Assert.Equal(new MessageLost(Tariffs, 0x5E4D, 1, MessageLost.ReasonInconsistent), Assert.Single(Events(_receiver)));
        Assert.Equal(1, _receiver.Counters.Reassembly.InconsistentFragments);
    }

    [Theory]
    [InlineData(FrameType.Membership, FrameFlags.None)]
    [InlineData(FrameType.Heartbeat, FrameFlags.None)]
    [InlineData(FrameType.Data, FrameFlags.Encrypted)]
    public void HandleDatagram_FrameNotForThisEndpoint_IsCountedUnsupported(FrameType type, FrameFlags flags)
    {
        _receiver.Join(Tariffs);

        _receiver.HandleDatagram(T0, Frame(Tariffs, sequence: 1, type, flags));

        Assert.Empty(Events(_receiver));
        Assert.Equal(1, _receiver.Counters.Unsupported);
    }

    [Fact]
    public void HandleDatagram_RetainedAndRepairCopies_AreDelivered()
    {
        _receiver.Join(Tariffs);

        _receiver.HandleDatagram(T0, Frame(Tariffs, sequence: 1, FrameType.Data, FrameFlags.LastValue));
        _receiver.HandleDatagram(T0, Frame(Tariffs, sequence: 2, FrameType.Data, FrameFlags.Retransmission));

        Assert.Equal([1UL, 2UL], Messages(_receiver).Select(m => m.Sequence));
    }

    [Fact]
    public void Transmit_Datagram_StaysValidAfterLaterSends()
    {
        _sender.Send(T0, Timestamp, Tariffs, "first"u8.ToArray(), ContentType.Raw);
        Assert.True(_sender.TryPollTransmit(out var first));
        var copy = first.Datagram.ToArray();

        for (var i = 0; i < 10; i++)
        {
            _sender.Send(T0, Timestamp, Tariffs, Payload(3000), ContentType.Raw);
        }

        Assert.Equal(copy, first.Datagram.ToArray());
    }

    [Fact]
    public void Send_PayloadChangedAfterSend_DatagramKeepsOriginal()
    {
        var payload = "original"u8.ToArray();
        _sender.Send(T0, Timestamp, Tariffs, payload, ContentType.Raw);

        payload.AsSpan().Fill((byte)'x');

        Assert.Equal("original"u8.ToArray(), Decode(Transmits(_sender).Single().Datagram).Payload.ToArray());
    }

    [Fact]
    public void MessageReceived_Payload_SurvivesReuseOfReceiveBuffer()
    {
        _receiver.Join(Tariffs);
        _sender.Send(T0, Timestamp, Tariffs, "keep me"u8.ToArray(), ContentType.Raw);
        var buffer = Transmits(_sender).Single().Datagram.ToArray();

        _receiver.HandleDatagram(T0, buffer);
        Array.Clear(buffer);

        Assert.Equal("keep me"u8.ToArray(), Messages(_receiver).Single().Payload.ToArray());
    }

    [Theory]
    [InlineData(GroupEndpointOptions.MinAtomicMessageSize - 1)]
    [InlineData(FrameCodec.DefaultMaxFrameSize + 1)]
    [InlineData(73)] // room for the header and the 23-byte name only
    public void Send_AtomicSizeWithoutRoomForPayload_ThrowsAndQueuesNothing(int atomic)
    {
        Assert.ThrowsAny<ArgumentException>(() => _sender.Send(T0, Timestamp, Tariffs, "x"u8.ToArray(), ContentType.Raw, atomic));

        AssertNothingSentThenNumberingStartsAtOne();
    }

    [Fact]
    public void Send_MessageNeedingMoreThan65535Fragments_ThrowsAndQueuesNothing()
    {
        Assert.ThrowsAny<ArgumentException>(() => _sender.Send(T0, Timestamp, Tariffs, new byte[65_536], ContentType.Raw, atomicMessageSize: 74));

        AssertNothingSentThenNumberingStartsAtOne();
    }

    [Fact]
    public void Send_UndefinedContentType_ThrowsAndQueuesNothing()
    {
        Assert.ThrowsAny<ArgumentException>(() => _sender.Send(T0, Timestamp, Tariffs, Payload(5000), (ContentType)99));

        AssertNothingSentThenNumberingStartsAtOne();
    }

    [Fact]
    public void Send_TimestampOutsideYears1To9999_ThrowsAndQueuesNothing()
    {
        Assert.ThrowsAny<ArgumentException>(() => _sender.Send(T0, long.MaxValue, Tariffs, "x"u8.ToArray(), ContentType.Raw));

        AssertNothingSentThenNumberingStartsAtOne();
    }

    [Fact]
    public void Constructor_OptionsOutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GroupEndpoint(new GroupEndpointOptions { SourceId = 1, AtomicMessageSize = 51 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GroupEndpoint(new GroupEndpointOptions { SourceId = 1, DuplicateWindow = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GroupEndpoint(new GroupEndpointOptions { SourceId = 1, Reassembly = new ReassemblyOptions { MaxPendingMessages = 0 } }));
    }

    private void AssertNothingSentThenNumberingStartsAtOne()
    {
        Assert.False(_sender.TryPollTransmit(out _));
        Assert.Equal(0, _sender.Counters.MessagesSent);
        _sender.Send(T0, Timestamp, Tariffs, "x"u8.ToArray(), ContentType.Raw);
        Assert.Equal(1UL, Decode(Transmits(_sender).Single().Datagram).Sequence);
    }

    [Fact]
    public void HandleDatagram_WithSink_FirstMessageAsEventsThenKnownSourceToSinkOnce()
    {
        _receiver.Join(Tariffs);
        var sink = new RecordingSink();
        for (var i = 1; i <= 3; i++)
        {
            _sender.Send(T0, Timestamp + i, Tariffs, System.Text.Encoding.UTF8.GetBytes($"tariff {i}"), ContentType.MqttPublish, lastValue: i == 3);
        }

        var transmits = Transmits(_sender);
        foreach (var transmit in transmits)
        {
            _receiver.HandleDatagram(T0, null, transmit.Datagram, sink);
        }

        _receiver.HandleDatagram(T0, null, transmits[2].Datagram, sink);

        // The source's first message keeps its NewSource before it, so it goes the event way.
        var events = Events(_receiver);
        Assert.Equal(new NewSource(Tariffs, 0x5E4D), events[0]);
        var first = Assert.IsType<MessageReceived>(Assert.Single(events.Skip(1))).Message;
        Assert.Equal("tariff 1", System.Text.Encoding.UTF8.GetString(first.Payload.Span));
        Assert.Equal(
            [("tariff 2", 2UL, false, Timestamp + 2), ("tariff 3", 3UL, true, Timestamp + 3)],
            sink.Messages.Select(m => (m.Payload, m.Sequence, m.LastValue, m.Timestamp)));
        Assert.All(sink.Messages, m => Assert.Equal((Tariffs, ContentType.MqttPublish, 0x5E4DUL), (m.Group, m.Type, m.Source)));
        Assert.Equal(3, _receiver.Counters.MessagesReceived);
        Assert.Equal(1, _receiver.Counters.Duplicates);
    }

    private sealed class RecordingSink : IMessageSink
    {
        public List<(GroupName Group, string Payload, ContentType Type, ulong Source, ulong Sequence, long Timestamp, bool LastValue)> Messages { get; } = [];

        public void OnMessage(in SinkMessage message) => Messages.Add((
            message.Group, System.Text.Encoding.UTF8.GetString(message.Payload), message.ContentType, message.SourceId, message.Sequence, message.TimestampMicroseconds, message.IsLastValue));
    }

    private static void Deliver(GroupEndpoint from, GroupEndpoint to)
    {
        while (from.TryPollTransmit(out var transmit))
        {
            to.HandleDatagram(T0, transmit.Datagram);
        }
    }

    private static List<Transmit> Transmits(GroupEndpoint endpoint)
    {
        var transmits = new List<Transmit>();
        while (endpoint.TryPollTransmit(out var transmit))
        {
            transmits.Add(transmit);
        }

        return transmits;
    }

    private static List<EndpointEvent> Events(GroupEndpoint endpoint)
    {
        var events = new List<EndpointEvent>();
        while (endpoint.TryPollEvent(out var endpointEvent))
        {
            events.Add(endpointEvent);
        }

        return events;
    }

    private static List<GroupMessage> Messages(GroupEndpoint endpoint) =>
        [.. Events(endpoint).OfType<MessageReceived>().Select(e => e.Message)];

    private static GridCastFrame Decode(ReadOnlyMemory<byte> datagram)
    {
        Assert.True(FrameCodec.TryDecodeDatagram(datagram, out var frame, out var error), $"rejected: {error}");
        return frame;
    }

    /// <summary>A one-frame message from source 0x5E4D, written directly with the codec.</summary>
    private static byte[] Frame(GroupName group, ulong sequence, FrameType type = FrameType.Data, FrameFlags flags = FrameFlags.None)
    {
        var writer = new ArrayBufferWriter<byte>();
        FrameCodec.Encode(
            new GridCastFrame
            {
                Type = type,
                Flags = flags,
                Group = System.Text.Encoding.UTF8.GetBytes(group.WireName),
                SourceId = 0x5E4D,
                Sequence = sequence,
                TimestampMicroseconds = Timestamp,
                Payload = "frame"u8.ToArray(),
                Tag = (flags & FrameFlags.Encrypted) != 0 ? new byte[16] : ReadOnlyMemory<byte>.Empty,
            },
            writer);
        return writer.WrittenSpan.ToArray();
    }

    private static byte[] Payload(int length) => [.. Enumerable.Range(0, length).Select(i => (byte)(i * 13))];
}

/// <summary>A message length, an atomic size, and the arrival order of its fragments (with repeats).</summary>
public sealed record ShuffledSend(int PayloadLength, int AtomicSize, int Seed, int[] Repeats)
{
    /// <summary>Every fragment index once plus the repeats (taken modulo the count), shuffled by the seed.</summary>
    public IEnumerable<int> Order(int count)
    {
        var arrivals = Enumerable.Range(0, count).Concat(Repeats.Select(r => r % count)).ToArray();
        new Random(Seed).Shuffle(arrivals);
        return arrivals;
    }
}

/// <summary>FsCheck generators for <see cref="GroupEndpointTests"/>.</summary>
public static class EndpointCases
{
    public static Arbitrary<ShuffledSend> Sends() => Arb.From(
        from atomic in Gen.Choose(100, 1472)
        from length in Gen.Choose(0, 20_000)
        from seed in Gen.Choose(0, int.MaxValue)
        from repeatCount in Gen.Choose(0, 10)
        from repeats in Gen.Choose(0, int.MaxValue).ArrayOf(repeatCount)
        select new ShuffledSend(length, atomic, seed, repeats));
}
