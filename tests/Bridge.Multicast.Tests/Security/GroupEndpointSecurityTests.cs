using Bridge.Multicast.Endpoint;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Security;
using Bridge.Multicast.Security.Keys;
using Bridge.Multicast.Tests.Security.Keys;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Tests.Security;

/// <summary>
/// Secured groups end to end through two <see cref="GroupEndpoint"/>s wired by hand: each mode's
/// frames arrive intact; every tampered region, a wrong, stale or unknown key, a replay, a frame
/// beyond the window or outside the time window is refused with its reason and counted; rotation
/// and re-ordering within the window lose nothing; a signed group's member cannot forge.
/// </summary>
public sealed class GroupEndpointSecurityTests
{
    private static readonly GroupName Commands = GroupName.Parse("ham:sg:dr.commands");
    private static readonly TimeSpan T0 = TimeSpan.FromSeconds(10);
    private static readonly DateTimeOffset Day5 = TestKeys.Start.AddDays(5);

    public static TheoryData<GroupSecurityMode> Modes => [GroupSecurityMode.Authenticate, GroupSecurityMode.Encrypt, GroupSecurityMode.Sign];

    [Theory]
    [MemberData(nameof(Modes))]
    public void Send_SecuredGroup_ReceiverGetsThePayloadAndCountsItVerified(GroupSecurityMode mode)
    {
        var (sender, receiver) = Pair(mode);

        sender.Send(T0, Micros(Day5), Commands, "shed 20%"u8.ToArray(), ContentType.Raw);
        var datagram = Single(sender);
        receiver.HandleDatagram(T0, Day5, datagram);

        Assert.Equal("shed 20%"u8.ToArray(), Assert.Single(Messages(receiver)).Payload.ToArray());
        Assert.Equal(1, receiver.Counters.Security.Verified);
        Assert.Equal(1, sender.Counters.Security.Sealed);
        Assert.True(FrameCodec.TryDecodeDatagram(datagram, out var frame, out _));
        Assert.Equal(FrameTag.Length(KeyAlgorithmOf(mode)), frame.Tag.Length);
        Assert.Equal(mode == GroupSecurityMode.Encrypt, (frame.Flags & FrameFlags.Encrypted) != 0);
        Assert.Equal(mode != GroupSecurityMode.Encrypt, frame.Payload.Span.SequenceEqual("shed 20%"u8));
    }

    /// <summary>Offsets into a frame of <see cref="Commands"/> (18-byte name) with an 8-byte payload.</summary>
    public static TheoryData<GroupSecurityMode, int, byte, SecurityRejection> Tampering()
    {
        var data = new TheoryData<GroupSecurityMode, int, byte, SecurityRejection>();
        foreach (var mode in new[] { GroupSecurityMode.Authenticate, GroupSecurityMode.Encrypt, GroupSecurityMode.Sign })
        {
            data.Add(mode, 4, 0x04, SecurityRejection.BadTag);        // flags: LastValue set
            data.Add(mode, 5, 0x01, SecurityRejection.BadTag);        // content type Raw -> MqttPublish
            data.Add(mode, 15, 0x01, SecurityRejection.BadTag);       // source id
            data.Add(mode, 27, 0x01, SecurityRejection.BadTag);       // sequence number
            data.Add(mode, 35, 0x01, SecurityRejection.BadTag);       // timestamp, 1 µs
            data.Add(mode, 50 + 18 + 3, 0x20, SecurityRejection.BadTag); // payload
            data.Add(mode, 50 + 18 + 8, 0x07, SecurityRejection.WrongSuite); // tag: suite
            data.Add(mode, 50 + 18 + 8 + 4, 0x10, SecurityRejection.UnknownKey); // tag: key id
            data.Add(mode, 50 + 18 + 8 + 9, 0x01, SecurityRejection.BadTag);   // tag: body
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Tampering))]
    public void HandleDatagram_OneByteTampered_RefusedWithReasonAndCounted(GroupSecurityMode mode, int offset, byte xor, SecurityRejection expected)
    {
        var (sender, receiver) = Pair(mode);
        sender.Send(T0, Micros(Day5), Commands, "shed 20%"u8.ToArray(), ContentType.Raw);
        var datagram = Single(sender);

        datagram[offset] ^= xor;
        receiver.HandleDatagram(T0, Day5, datagram);

        var rejected = Assert.Single(Events(receiver).OfType<SecurityRejected>());
        Assert.Equal(expected, rejected.Reason);
        Assert.Equal(1, receiver.Counters.Security.Rejected(expected));
        Assert.Empty(Messages(receiver));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void HandleDatagram_RelayedAndRetransmissionFlagsSetOnTheWay_StillAccepted(GroupSecurityMode mode)
    {
        var (sender, receiver) = Pair(mode);
        sender.Send(T0, Micros(Day5), Commands, "shed 20%"u8.ToArray(), ContentType.Raw);
        var datagram = Single(sender);

        datagram[4] |= (byte)(FrameFlags.Relayed | FrameFlags.Retransmission);
        receiver.HandleDatagram(T0, Day5, datagram);

        Assert.Single(Messages(receiver));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void HandleDatagram_WrongKeyWithTheSameId_RefusedAsBadTag(GroupSecurityMode mode)
    {
        var sender = Endpoint(1, mode, Ring(mode, fill: 0x10));
        var receiver = Endpoint(2, mode, Ring(mode, fill: 0x20, publicOnly: true));
        receiver.Join(Commands);

        sender.Send(T0, Micros(Day5), Commands, "shed 20%"u8.ToArray(), ContentType.Raw);
        receiver.HandleDatagram(T0, Day5, Single(sender));

        Assert.Equal(1, receiver.Counters.Security.Rejected(SecurityRejection.BadTag));
        Assert.Empty(Messages(receiver));
    }

    [Fact]
    public void HandleDatagram_UnprotectedFrameOnSecuredGroup_RefusedAsUnprotected()
    {
        var plain = new GroupEndpoint(new GroupEndpointOptions { SourceId = 9 });
        var (_, receiver) = Pair(GroupSecurityMode.Authenticate);

        plain.Send(T0, Micros(Day5), Commands, "shed 100%"u8.ToArray(), ContentType.Raw);
        receiver.HandleDatagram(T0, Day5, Single(plain));

        Assert.Equal(1, receiver.Counters.Security.Rejected(SecurityRejection.Unprotected));
    }

    [Theory]
    [InlineData(-1, SecurityRejection.KeyNotYetValid)]
    [InlineData(31, SecurityRejection.KeyExpired)]
    public void HandleDatagram_KeyOutsideItsValidityAtTheReceiver_Refused(int receiverDay, SecurityRejection expected)
    {
        // The sender's copy of key 1 has a wider window than the receiver's: a node whose key
        // file was never rotated, or a clock far off.
        var senderKey = TestKeys.Symmetric(1, startDay: -10, days: 60);
        var sender = Endpoint(1, GroupSecurityMode.Authenticate, TestKeys.SharedRing(Commands.WireName, senderKey));
        var receiver = Endpoint(2, GroupSecurityMode.Authenticate, TestKeys.SharedRing(Commands.WireName, TestKeys.Symmetric(1, startDay: 0, days: 30)));
        receiver.Join(Commands);
        var at = TestKeys.Start.AddDays(receiverDay);

        sender.Send(T0, Micros(at), Commands, "x"u8.ToArray(), ContentType.Raw);
        receiver.HandleDatagram(T0, at, Single(sender));

        Assert.Equal(1, receiver.Counters.Security.Rejected(expected));
    }

    [Fact]
    public void Send_AcrossRotation_ReceiverWithCurrentAndNextTakesBothAndOneWithoutNextOnlyTheFirst()
    {
        var current = TestKeys.Symmetric(1, days: 30);
        var next = TestKeys.Symmetric(2, startDay: 20, days: 30);
        var sender = Endpoint(1, GroupSecurityMode.Authenticate, TestKeys.SharedRing(Commands.WireName, current, next));
        var updated = Endpoint(2, GroupSecurityMode.Authenticate, TestKeys.SharedRing(Commands.WireName, current, next));
        var stale = Endpoint(3, GroupSecurityMode.Authenticate, TestKeys.SharedRing(Commands.WireName, current));
        updated.Join(Commands);
        stale.Join(Commands);

        foreach (var day in new[] { 18, 19, 20, 21 })
        {
            var at = TestKeys.Start.AddDays(day);
            sender.Send(T0, Micros(at), Commands, new[] { (byte)day }, ContentType.Raw);
            var datagram = Single(sender);
            updated.HandleDatagram(T0, at, datagram);
            stale.HandleDatagram(T0, at, datagram);
        }

        Assert.Equal([18, 19, 20, 21], Messages(updated).Select(m => (int)m.Payload.Span[0]));
        Assert.Equal([18, 19], Messages(stale).Select(m => (int)m.Payload.Span[0]));
        Assert.Equal(2, stale.Counters.Security.Rejected(SecurityRejection.UnknownKey));
    }

    [Fact]
    public void UpdateKeys_MidStream_NothingLostAndOldKeyStillTakenWhileValid()
    {
        var k1 = TestKeys.Symmetric(1);
        var k2 = TestKeys.Symmetric(2, startDay: 5);
        var senderProtection = new GroupProtection(GroupSecurityMode.Authenticate, TestKeys.SharedRing(Commands.WireName, k1));
        var sender = new GroupEndpoint(new GroupEndpointOptions { SourceId = 1 });
        sender.Protect(Commands, senderProtection);
        var receiver = Endpoint(2, GroupSecurityMode.Authenticate, TestKeys.SharedRing(Commands.WireName, k1, k2));
        receiver.Join(Commands);
        var at = Day5.AddHours(1);

        sender.Send(T0, Micros(at), Commands, "before"u8.ToArray(), ContentType.Raw);
        receiver.HandleDatagram(T0, at, Single(sender));
        senderProtection.UpdateKeys(TestKeys.SharedRing(Commands.WireName, k1, k2));
        sender.Send(T0, Micros(at), Commands, "after"u8.ToArray(), ContentType.Raw);
        var afterRotation = Single(sender);
        receiver.HandleDatagram(T0, at, afterRotation);

        Assert.Equal(["before", "after"], Messages(receiver).Select(m => System.Text.Encoding.UTF8.GetString(m.Payload.Span)));
        Assert.True(FrameCodec.TryDecodeDatagram(afterRotation, out var frame, out _));
        Assert.Equal(2, frame.Tag.Span[4]);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void HandleDatagram_SameFrameAgain_RefusedAsReplayed(GroupSecurityMode mode)
    {
        var (sender, receiver) = Pair(mode);
        sender.Send(T0, Micros(Day5), Commands, "open breaker"u8.ToArray(), ContentType.Raw);
        var datagram = Single(sender);

        receiver.HandleDatagram(T0, Day5, datagram);
        receiver.HandleDatagram(T0, Day5.AddSeconds(1), datagram.ToArray());

        Assert.Single(Messages(receiver));
        Assert.Equal(1, receiver.Counters.Security.Rejected(SecurityRejection.Replayed));
    }

    [Fact]
    public void HandleDatagram_ReorderedWithinWindow_EveryFrameTakenOnce()
    {
        var (sender, receiver) = Pair(GroupSecurityMode.Authenticate);
        var datagrams = new List<byte[]>();
        for (var i = 1; i <= 5; i++)
        {
            sender.Send(T0, Micros(Day5), Commands, new[] { (byte)i }, ContentType.Raw);
            datagrams.Add(Single(sender));
        }

        foreach (var i in new[] { 4, 2, 0, 1, 3 })
        {
            receiver.HandleDatagram(T0, Day5, datagrams[i]);
        }

        Assert.Equal([5, 3, 1, 2, 4], Messages(receiver).Select(m => (int)m.Payload.Span[0]));
        Assert.Equal(0, receiver.Counters.Security.RejectedTotal);
    }

    [Fact]
    public void HandleDatagram_BehindTheWindow_RefusedAsBeyondWindow()
    {
        var (sender, receiver) = Pair(GroupSecurityMode.Authenticate, new ReplayOptions { Window = 4 });
        var datagrams = new List<byte[]>();
        for (var i = 1; i <= 6; i++)
        {
            sender.Send(T0, Micros(Day5), Commands, new[] { (byte)i }, ContentType.Raw);
            datagrams.Add(Single(sender));
        }

        receiver.HandleDatagram(T0, Day5, datagrams[5]);
        receiver.HandleDatagram(T0, Day5, datagrams[0]);
        receiver.HandleDatagram(T0, Day5, datagrams[2]);

        Assert.Equal([6, 3], Messages(receiver).Select(m => (int)m.Payload.Span[0]));
        Assert.Equal(1, receiver.Counters.Security.Rejected(SecurityRejection.BeyondWindow));
    }

    [Theory]
    [InlineData(31, SecurityRejection.Stale)]
    [InlineData(-6, SecurityRejection.FromFuture)]
    public void HandleDatagram_TimestampOutsideTheTimeWindow_Refused(int receiverAheadSeconds, SecurityRejection expected)
    {
        var (sender, receiver) = Pair(GroupSecurityMode.Authenticate);
        sender.Send(T0, Micros(Day5), Commands, "x"u8.ToArray(), ContentType.Raw);

        receiver.HandleDatagram(T0, Day5.AddSeconds(receiverAheadSeconds), Single(sender));

        Assert.Equal(1, receiver.Counters.Security.Rejected(expected));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Send_FragmentedMessage_EveryFragmentTaggedAndReassembled(GroupSecurityMode mode)
    {
        var (sender, receiver) = Pair(mode);
        var message = Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray();

        sender.Send(T0, Micros(Day5), Commands, message, ContentType.Raw, atomicMessageSize: 1472);
        var fragments = new List<byte[]>();
        while (sender.TryPollTransmit(out var transmit))
        {
            fragments.Add(transmit.Datagram.ToArray());
        }

        foreach (var fragment in fragments)
        {
            Assert.True(fragment.Length <= 1472);
            receiver.HandleDatagram(T0, Day5, fragment);
        }

        receiver.HandleDatagram(T0, Day5, fragments[1]);
        Assert.True(fragments.Count > 3);
        Assert.Equal(message, Assert.Single(Messages(receiver)).Payload.ToArray());
        Assert.Equal(1, receiver.Counters.Security.Rejected(SecurityRejection.Replayed));
    }

    [Fact]
    public void Send_SignedGroupMemberWithPublicKeysOnly_CannotSend()
    {
        var ring = Ring(GroupSecurityMode.Sign, fill: 1, publicOnly: true);
        var member = Endpoint(5, GroupSecurityMode.Sign, ring);

        Assert.Throws<InvalidOperationException>(() => member.Send(T0, Micros(Day5), Commands, "open breaker"u8.ToArray(), ContentType.Raw));
        Assert.Equal(1, member.Counters.Security.Unsendable);
        Assert.False(member.TryPollTransmit(out _));
    }

    [Fact]
    public void HandleDatagram_SignedGroupMemberForgesWithOwnKeyUnderTheSignersId_OtherMemberRefuses()
    {
        // Both members hold the head-end's public key; one makes a key pair of its own and signs
        // under the head-end's key id, as the most it can do without the private key.
        var headEnd = TestKeys.Signing(1);
        var receivers = TestKeys.SignedRing(Commands.WireName, ("headend", headEnd.WithoutPrivateKey(), null));
        var forger = Endpoint(6, GroupSecurityMode.Sign, TestKeys.SignedRing(Commands.WireName, ("headend", TestKeys.Signing(1), null)));
        var victim = Endpoint(7, GroupSecurityMode.Sign, receivers);
        victim.Join(Commands);
        var genuine = Endpoint(8, GroupSecurityMode.Sign, TestKeys.SignedRing(Commands.WireName, ("headend", headEnd, null)));

        forger.Send(T0, Micros(Day5), Commands, "open breaker"u8.ToArray(), ContentType.Raw);
        victim.HandleDatagram(T0, Day5, Single(forger));
        genuine.Send(T0, Micros(Day5), Commands, "close breaker"u8.ToArray(), ContentType.Raw);
        victim.HandleDatagram(T0, Day5, Single(genuine));

        Assert.Equal(["close breaker"], Messages(victim).Select(m => System.Text.Encoding.UTF8.GetString(m.Payload.Span)));
        Assert.Equal(1, victim.Counters.Security.Rejected(SecurityRejection.BadTag));
    }

    [Fact]
    public void HandleDatagram_SecuredFrameWithoutWallClock_Throws()
    {
        var (sender, receiver) = Pair(GroupSecurityMode.Authenticate);
        sender.Send(T0, Micros(Day5), Commands, "x"u8.ToArray(), ContentType.Raw);

        Assert.Throws<InvalidOperationException>(() => receiver.HandleDatagram(T0, Single(sender)));
    }

    [Fact]
    public void HandleDatagram_UnsecuredGroupBesideASecuredOne_BehavesAsBefore()
    {
        var other = GroupName.Parse("ham:sg:ami.tariff");
        var (sender, receiver) = Pair(GroupSecurityMode.Authenticate);
        receiver.Join(other);

        sender.Send(T0, Micros(Day5), other, "0.28"u8.ToArray(), ContentType.Raw);
        var datagram = Single(sender);
        receiver.HandleDatagram(T0, datagram);

        Assert.Equal(FrameCodec.GetEncodedSize(other.WireName.Length, 4), datagram.Length);
        Assert.Single(Messages(receiver));
        Assert.Equal(0, receiver.Counters.Security.Verified);
    }

    private static (GroupEndpoint Sender, GroupEndpoint Receiver) Pair(GroupSecurityMode mode, ReplayOptions? replay = null)
    {
        var ring = Ring(mode, fill: 0x10);
        var receiverRing = mode == GroupSecurityMode.Sign
            ? TestKeys.SignedRing(Commands.WireName, ("headend", ring.Rotations["headend"].Current.WithoutPrivateKey(), null))
            : ring;
        var sender = Endpoint(0x5E4D, mode, ring, replay);
        var receiver = Endpoint(0x7EC5, mode, receiverRing, replay);
        receiver.Join(Commands);
        return (sender, receiver);
    }

    private static KeyRing Ring(GroupSecurityMode mode, byte fill, bool publicOnly = false) => mode switch
    {
        GroupSecurityMode.Authenticate => TestKeys.SharedRing(Commands.WireName, TestKeys.Symmetric(1, fill: fill)),
        GroupSecurityMode.Encrypt => TestKeys.SharedRing(Commands.WireName, TestKeys.Symmetric(1, KeyAlgorithm.Aes128Gcm, fill)),
        _ => TestKeys.SignedRing(Commands.WireName, ("headend", TestKeys.Signing(1, withPrivate: !publicOnly), null)),
    };

    private static KeyAlgorithm KeyAlgorithmOf(GroupSecurityMode mode) => mode switch
    {
        GroupSecurityMode.Authenticate => KeyAlgorithm.HmacSha256Tag128,
        GroupSecurityMode.Encrypt => KeyAlgorithm.Aes128Gcm,
        _ => KeyAlgorithm.EcdsaP256,
    };

    private static GroupEndpoint Endpoint(ulong sourceId, GroupSecurityMode mode, KeyRing ring, ReplayOptions? replay = null)
    {
        var endpoint = new GroupEndpoint(new GroupEndpointOptions { SourceId = sourceId });
        endpoint.Protect(Commands, new GroupProtection(mode, ring, replay));
        return endpoint;
    }

    private static long Micros(DateTimeOffset at) => (at - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond;

    private static byte[] Single(GroupEndpoint sender)
    {
        Assert.True(sender.TryPollTransmit(out var transmit));
        Assert.False(sender.TryPollTransmit(out _));
        return transmit.Datagram.ToArray();
    }

    private static List<EndpointEvent> Events(GroupEndpoint endpoint)
    {
        var events = new List<EndpointEvent>();
        while (endpoint.TryPollEvent(out var e))
        {
            events.Add(e);
        }

        return events;
    }

    private static List<GroupMessage> Messages(GroupEndpoint endpoint) =>
        [.. Events(endpoint).OfType<MessageReceived>().Select(m => m.Message)];
}
