using Bridge.Multicast.Endpoint;
using Bridge.Multicast.Endpoint.Reliability;
using Bridge.Multicast.Security;
using Bridge.Multicast.Security.Keys;
using Bridge.Multicast.Tests.Security.Keys;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Tests.Endpoint.Reliability;

/// <summary>
/// Reliable groups through hand-wired <see cref="GroupEndpoint"/>s in virtual time
/// (<see cref="ReliableNetwork"/>): loss repaired, NACKs suppressed, loss that cannot be repaired
/// reported range by range, late joiners not NACKing history, order kept when asked, secured
/// groups repaired without opening a replay.
/// </summary>
public sealed class GroupEndpointReliabilityTests
{
    private static readonly ReliableGroupOptions Defaults = new();

    /// <summary>Loss per receiver: independent random, and bursts of 20 in every 100 frames.</summary>
    public static TheoryData<string, double> LossPatterns => new()
    {
        { "random", 0.01 },
        { "random", 0.05 },
        { "random", 0.10 },
        { "burst", 0.20 },
    };

    [Theory]
    [MemberData(nameof(LossPatterns))]
    public void Send_LossyLink_EveryReceiverGetsEveryMessageAndNothingIsReportedLost(string pattern, double rate)
    {
        var net = new ReliableNetwork(5, Defaults);
        var random = new Random(42);
        net.Drop = (to, frame) => to >= 0 && frame.Type == FrameType.Data && frame.Sequence > 1 && pattern switch
        {
            "random" => random.NextDouble() < rate,
            _ => (frame.Sequence + (ulong)(to * 37)) % 100 is >= 50 and < 70 && (frame.Flags & FrameFlags.Retransmission) == 0,
        };

        net.Send(2000);
        net.Run(net.Now + TimeSpan.FromSeconds(30));

        for (var i = 0; i < net.Receivers.Count; i++)
        {
            Assert.Equal(Enumerable.Range(1, 2000).Select(n => (ulong)n), net.Delivered[i].Order());
            Assert.Empty(net.Lost[i]);
        }

        Assert.True(net.Receivers.Sum(r => r.Counters.Reliability.RepairsReceived) > 0);
    }

    [Fact]
    public void Send_LossSharedByManyReceivers_AtMostTwoNackFramesPerLostMessage()
    {
        // Every 50th message is lost upstream of all 30 receivers. Without suppression that is 30
        // NACKs each. With it: one NACK silences the others; its repair goes to that receiver alone,
        // the silenced ones ask once more after their repair wait, and that repair goes to the group.
        var net = new ReliableNetwork(30, Defaults);
        net.Drop = (to, frame) => to >= 0 && frame.Type == FrameType.Data && frame.Sequence % 50 == 0 && (frame.Flags & FrameFlags.Retransmission) == 0;

        net.Send(1000);
        net.Run(net.Now + TimeSpan.FromSeconds(30));

        const int lostMessages = 20;
        Assert.All(net.Delivered, d => Assert.Equal(1000, d.Distinct().Count()));
        Assert.InRange(net.NackFrames, lostMessages, 2 * lostMessages);
        var suppressed = net.Receivers.Sum(r => r.Counters.Reliability.NacksSuppressed);
        Assert.True(suppressed >= lostMessages * 28, $"{suppressed} NACKs suppressed");
        Assert.InRange(net.Sender.Counters.Reliability.RepairsSent, lostMessages, 2 * lostMessages);
    }

    [Fact]
    public void Send_LossOfOneReceiverOnly_RepairGoesToItAlone()
    {
        var net = new ReliableNetwork(3, Defaults);
        net.Drop = (to, frame) => to == 1 && frame.Type == FrameType.Data && frame.Sequence == 5 && (frame.Flags & FrameFlags.Retransmission) == 0;

        net.Send(10);
        net.Run(net.Now + TimeSpan.FromSeconds(5));

        Assert.Equal(1, net.Sender.Counters.Reliability.RepairFramesUnicast);
        Assert.Equal(0, net.Sender.Counters.Reliability.RepairFramesMulticast);
        Assert.Equal(1, net.Receivers[1].Counters.Reliability.RepairsReceived);
        Assert.All(net.Delivered, d => Assert.Equal(10, d.Count));
    }

    [Fact]
    public void Send_CacheTooSmall_LossReportedExactlyRangeByRange()
    {
        // The cache holds the newest message only, so nothing a gap reveals can still be repaired.
        var net = new ReliableNetwork(2, Defaults with { CacheMaxBytes = 80 });
        ulong[] dropped = [3, 4, 10, 11, 12, 20];
        net.Drop = (to, frame) => to == 0 && frame.Type == FrameType.Data && dropped.Contains(frame.Sequence);

        net.Send(30);
        net.Run(net.Now + TimeSpan.FromSeconds(10));

        Assert.Equal(
            [(3UL, 4UL), (10UL, 12UL), (20UL, 20UL)],
            net.Lost[0].Select(l => (l.First, l.Last)).Order());
        Assert.All(net.Lost[0], l => Assert.Equal(UnrecoverableLoss.ReasonNotCached, l.Reason));
        Assert.Equal(Enumerable.Range(1, 30).Select(n => (ulong)n).Except(dropped), net.Delivered[0]);
        Assert.Equal(3, net.Receivers[0].Counters.Reliability.UnrecoverableRanges);
        Assert.Equal(6, net.Receivers[0].Counters.Reliability.UnrecoverableMessages);
        Assert.Empty(net.Lost[1]);
    }

    [Fact]
    public void Send_SourceGone_ReceiverReportsNoAnswerAfterItsTries()
    {
        var net = new ReliableNetwork(2, Defaults);
        net.Drop = (to, frame) => (to >= 0 && frame.Type == FrameType.Data && frame.Sequence is 4 or 5) || (to < 0 && frame.Type == FrameType.RepairRequest);

        net.Send(8);
        net.Run(net.Now + TimeSpan.FromSeconds(30));

        foreach (var lost in net.Lost)
        {
            var loss = Assert.Single(lost);
            Assert.Equal((4UL, 5UL, UnrecoverableLoss.ReasonNoAnswer), (loss.First, loss.Last, loss.Reason));
        }

        // Rounds are shared: between them the two receivers NACK each number about once per round.
        Assert.InRange(net.NackFrames, Defaults.MaxNackTries / 2, 2 * Defaults.MaxNackTries);
    }

    [Fact]
    public void Send_TailOfTheStreamLost_SourceStatusRevealsItAndItIsRepaired()
    {
        var net = new ReliableNetwork(1, Defaults);
        net.Drop = (to, frame) => to == 0 && frame.Type == FrameType.Data && frame.Sequence >= 8 && (frame.Flags & FrameFlags.Retransmission) == 0;

        net.Send(10);
        net.Run(net.Now + TimeSpan.FromSeconds(5));

        Assert.Equal(Enumerable.Range(1, 10).Select(n => (ulong)n), net.Delivered[0]);
        Assert.True(net.Sender.Counters.Reliability.StatusSent >= 1);
    }

    [Fact]
    public void Join_LateJoiner_DoesNotNackWhatWasSentBeforeIt()
    {
        var net = new ReliableNetwork(1, Defaults);
        var late = net.Receivers[0];
        late.Leave(ReliableNetwork.Group);
        net.Send(50);
        late.Join(ReliableNetwork.Group);
        net.Send(10);
        net.Run(net.Now + TimeSpan.FromSeconds(5));

        Assert.Equal(Enumerable.Range(51, 10).Select(n => (ulong)n), net.Delivered[0]);
        Assert.Equal(0, late.Counters.Reliability.NacksSent);
        Assert.Empty(net.Lost[0]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Send_InOrderOption_HoldsMessagesAfterAGapUntilItIsRepaired(bool inOrder)
    {
        var net = new ReliableNetwork(1, Defaults with { InOrder = inOrder });
        net.Drop = (to, frame) => to == 0 && frame.Type == FrameType.Data && frame.Sequence == 3 && (frame.Flags & FrameFlags.Retransmission) == 0;

        net.Send(6);
        net.Run(net.Now + TimeSpan.FromSeconds(5));

        ulong[] expected = inOrder ? [1, 2, 3, 4, 5, 6] : [1, 2, 4, 5, 6, 3];
        Assert.Equal(expected, net.Delivered[0]);
    }

    [Fact]
    public void Send_InOrderAndLossUnrepairable_HeldMessagesFollowTheReport()
    {
        var net = new ReliableNetwork(1, Defaults with { InOrder = true, CacheMaxBytes = 0 });
        net.Drop = (to, frame) => to == 0 && frame.Type == FrameType.Data && frame.Sequence == 2;

        net.Send(4);
        net.Run(net.Now + TimeSpan.FromSeconds(5));

        Assert.Equal([1UL, 3, 4], net.Delivered[0]);
        var loss = Assert.Single(net.Lost[0]);
        Assert.Equal((2UL, 2UL, UnrecoverableLoss.ReasonNotCached), (loss.First, loss.Last, loss.Reason));
    }

    public static TheoryData<GroupSecurityMode> Modes => [GroupSecurityMode.Authenticate, GroupSecurityMode.Encrypt, GroupSecurityMode.Sign];

    [Theory]
    [MemberData(nameof(Modes))]
    public void Send_SecuredGroup_RepairVerifiesAndPassesTheReplayWindow(GroupSecurityMode mode)
    {
        var net = new ReliableNetwork(2, Defaults, prepare: e => Protect(e, mode, publicOnly: e.SourceId != 0x5E4D));
        net.Drop = (to, frame) => to == 0 && frame.Type == FrameType.Data && frame.Sequence is 2 or 7 && (frame.Flags & FrameFlags.Retransmission) == 0;

        net.Send(10);
        net.Run(net.Now + TimeSpan.FromSeconds(5));

        Assert.Equal(Enumerable.Range(1, 10).Select(n => (ulong)n), net.Delivered[0].Order());
        Assert.Equal(2, net.Receivers[0].Counters.Reliability.RepairsReceived);
        Assert.Equal(0, net.Receivers[0].Counters.Security.RejectedTotal);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void HandleDatagram_RepairCopyOfAMessageAlreadyTaken_RefusedAsReplayed(GroupSecurityMode mode)
    {
        var sender = new GroupEndpoint(new GroupEndpointOptions { SourceId = 0x5E4D, Random = new Random(1) });
        var receiver = new GroupEndpoint(new GroupEndpointOptions { SourceId = 0x7EC5, Random = new Random(2) });
        Protect(sender, mode);
        Protect(receiver, mode, publicOnly: true);
        sender.MakeReliable(ReliableNetwork.Group, Defaults);
        receiver.MakeReliable(ReliableNetwork.Group, Defaults);
        receiver.Join(ReliableNetwork.Group);
        var now = TimeSpan.FromSeconds(1);
        var wall = ReliableNetwork.WallClock;
        sender.Send(now, ReliableNetwork.Micros(wall), ReliableNetwork.Group, "open breaker 7"u8.ToArray(), ContentType.Raw);
        Assert.True(sender.TryPollTransmit(out var original));
        receiver.HandleDatagram(now, wall, original.Datagram);

        // Someone replays the frame marked as a repair copy: the tag still verifies, the window does not take it twice.
        var copy = original.Datagram.ToArray();
        copy[4] |= (byte)FrameFlags.Retransmission;
        receiver.HandleDatagram(now, wall, copy);

        var events = new List<EndpointEvent>();
        while (receiver.TryPollEvent(out var e))
        {
            events.Add(e);
        }

        Assert.Single(events.OfType<MessageReceived>());
        Assert.Equal(SecurityRejection.Replayed, Assert.Single(events.OfType<SecurityRejected>()).Reason);
    }

    public static TheoryData<byte[], RepairMessageError> MalformedPayloads => new()
    {
        { new byte[11], RepairMessageError.Truncated },
        { Header(9, 0, 1), RepairMessageError.UnknownKind },
        { Header(1, 1, 1), RepairMessageError.ReservedNotZero },
        { Header(1, 0, 0), RepairMessageError.BadRange },
        { Header(1, 0, 33), RepairMessageError.BadRange },
        { Header(1, 0, 1), RepairMessageError.Truncated },
        { [.. Header(1, 0, 1), .. Range(5, 4)], RepairMessageError.BadRange },
        { [.. Header(1, 0, 1), .. Range(0, 4)], RepairMessageError.BadRange },
        { [.. Header(1, 0, 1), .. Range(1, 4), 0], RepairMessageError.TrailingBytes },
    };

    [Theory]
    [MemberData(nameof(MalformedPayloads))]
    public void TryDecode_MalformedPayload_RefusedWithItsReason(byte[] payload, RepairMessageError expected)
    {
        Assert.False(RepairMessage.TryDecode(payload, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData(RepairMessageKind.Nack)]
    [InlineData(RepairMessageKind.Confirm)]
    [InlineData(RepairMessageKind.Unavailable)]
    [InlineData(RepairMessageKind.SourceStatus)]
    public void Encode_EveryKind_RoundTrips(RepairMessageKind kind)
    {
        var message = new RepairMessage(kind, 0x0102030405060708, [new SequenceRange(1, 1), new SequenceRange(7, 90), new SequenceRange(ulong.MaxValue, ulong.MaxValue)]);
        var bytes = message.Encode();

        Assert.Equal(12 + (3 * 16), bytes.Length);
        Assert.True(RepairMessage.TryDecode(bytes, out var decoded, out _));
        Assert.Equal((message.Kind, message.Target), (decoded.Kind, decoded.Target));
        Assert.Equal(message.Ranges, decoded.Ranges);
    }

    [Fact]
    public void MakeReliable_EndpointWithoutRandom_Throws()
    {
        var endpoint = new GroupEndpoint(new GroupEndpointOptions { SourceId = 1 });
        Assert.Throws<InvalidOperationException>(() => endpoint.MakeReliable(ReliableNetwork.Group, Defaults));
    }

    private static byte[] Header(byte kind, byte reserved, ushort count) =>
        [kind, reserved, (byte)(count >> 8), (byte)count, 0, 0, 0, 0, 0, 0, 0, 9];

    private static byte[] Range(ulong first, ulong last)
    {
        var bytes = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes, first);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(8), last);
        return bytes;
    }

    private static void Protect(GroupEndpoint endpoint, GroupSecurityMode mode, bool publicOnly = false)
    {
        var name = ReliableNetwork.Group.WireName;
        var ring = mode switch
        {
            GroupSecurityMode.Authenticate => TestKeys.SharedRing(name, TestKeys.Symmetric(1, fill: 0x10)),
            GroupSecurityMode.Encrypt => TestKeys.SharedRing(name, TestKeys.Symmetric(1, KeyAlgorithm.Aes128Gcm, 0x10)),
            _ => SigningRing,
        };
        if (mode == GroupSecurityMode.Sign && publicOnly)
        {
            ring = TestKeys.SignedRing(name, ("headend", SigningRing.Rotations["headend"].Current.WithoutPrivateKey(), null));
        }

        endpoint.Protect(ReliableNetwork.Group, new GroupProtection(mode, ring));
    }

    private static readonly KeyRing SigningRing = TestKeys.SignedRing(ReliableNetwork.Group.WireName, ("headend", TestKeys.Signing(1, withPrivate: true), null));
}
