using System.Buffers.Binary;
using System.Text;
using Bridge.Multicast.Security.ControlPlane;
using Bridge.Multicast.Security.Keys;
using Bridge.Multicast.Tests.Security.Keys;
using Bridge.Multicast.Wire;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Multicast.Tests.Security.ControlPlane;

/// <summary>
/// <see cref="ControlFrameAuthenticator"/>: what it seals verifies; an untagged, forged, altered,
/// wrong-key, unknown-key, expired-key, stale or replayed frame is refused with its reason and
/// counted, and refusals of unauthenticated frames leave the real sender's window alone.
/// </summary>
public sealed class ControlFrameAuthenticatorTests
{
    private static readonly byte[] Group = Encoding.UTF8.GetBytes("ham:sg:gridcast.gateways");

    [Fact]
    public void Verify_SealedFrame_Accepted()
    {
        var clock = ControlKeys.Clock();
        var sender = new ControlFrameAuthenticator(ControlKeys.Domain, clock);
        var receiver = new ControlFrameAuthenticator(ControlKeys.Domain, clock);

        var bytes = sender.Seal(Frame(sequence: 1, sender.NowMicroseconds()));
        var frame = Decode(bytes);

        Assert.Equal(ControlFrameAuthenticator.TagLength, frame.Tag.Length);
        Assert.Equal(ControlFrameAuthenticator.Suite, frame.Tag.Span[0]);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32BigEndian(frame.Tag.Span[1..]));
        Assert.Equal(ControlFrameRejection.None, receiver.Verify(frame));
        Assert.Equal((1L, 1L, 0L), (sender.Counters.Sealed, receiver.Counters.Verified, receiver.Counters.RejectedTotal));
    }

    public static TheoryData<string> Refusals() => ["untagged", "wrong key", "altered payload", "altered priority byte", "unknown key id", "altered tag", "malformed tag"];

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Verify_FrameWithoutAValidTag_RefusedWithItsReason(string how)
    {
        var clock = ControlKeys.Clock();
        var receiver = new ControlFrameAuthenticator(ControlKeys.Domain, clock);
        var honest = new ControlFrameAuthenticator(ControlKeys.Domain, clock);
        var now = honest.NowMicroseconds();
        var (frame, expected) = how switch
        {
            "untagged" => (Frame(1, now), ControlFrameRejection.MissingTag),
            "wrong key" => (Decode(new ControlFrameAuthenticator(ControlKeys.WrongDomain, clock).Seal(Frame(1, now))), ControlFrameRejection.BadTag),
            "altered payload" => (Altered(honest.Seal(Frame(1, now)), 50 + Group.Length), ControlFrameRejection.BadTag),
            "altered priority byte" => (Altered(honest.Seal(Frame(1, now)), 50 + Group.Length + 2), ControlFrameRejection.BadTag),
            "unknown key id" => (Decode(new ControlFrameAuthenticator(ControlKeys.Ring("d1", TestKeys.Symmetric(9)), clock).Seal(Frame(1, now))), ControlFrameRejection.UnknownKey),
            "altered tag" => (Altered(honest.Seal(Frame(1, now)), -1), ControlFrameRejection.BadTag),
            "malformed tag" => (Frame(1, now) with { Tag = new byte[8] }, ControlFrameRejection.MalformedTag),
            _ => throw new ArgumentOutOfRangeException(nameof(how)),
        };

        Assert.Equal(expected, receiver.Verify(frame));
        Assert.Equal(1, receiver.Counters.Rejected(expected));
        Assert.Equal(0, receiver.Counters.Verified);

        // A refused frame leaves no trace in the windows: the honest frame with the same number still passes.
        Assert.Equal(ControlFrameRejection.None, receiver.Verify(Decode(honest.Seal(Frame(1, now)))));
    }

    [Fact]
    public void Verify_SameFrameTwice_SecondRefusedAsReplayed()
    {
        var clock = ControlKeys.Clock();
        var sender = new ControlFrameAuthenticator(ControlKeys.Domain, clock);
        var receiver = new ControlFrameAuthenticator(ControlKeys.Domain, clock);
        var frame = Decode(sender.Seal(Frame(5, sender.NowMicroseconds())));

        Assert.Equal(ControlFrameRejection.None, receiver.Verify(frame));
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(ControlFrameRejection.Replayed, receiver.Verify(frame));
        Assert.Equal(1, receiver.Counters.Rejected(ControlFrameRejection.Replayed));
    }

    [Fact]
    public void Verify_ReorderedWithinWindow_AcceptedOnceBehindItRefused()
    {
        var clock = ControlKeys.Clock();
        var sender = new ControlFrameAuthenticator(ControlKeys.Domain, clock);
        var receiver = new ControlFrameAuthenticator(ControlKeys.Domain, clock);
        GridCastFrame Sealed(ulong sequence) => Decode(sender.Seal(Frame(sequence, sender.NowMicroseconds())));
        var newest = 10UL + ControlFrameAuthenticator.ReplayWindow;

        Assert.Equal(ControlFrameRejection.None, receiver.Verify(Sealed(newest)));
        Assert.Equal(ControlFrameRejection.None, receiver.Verify(Sealed(newest - 3)));
        Assert.Equal(ControlFrameRejection.Replayed, receiver.Verify(Sealed(newest - 3)));
        Assert.Equal(ControlFrameRejection.None, receiver.Verify(Sealed(newest - ControlFrameAuthenticator.ReplayWindow + 1)));
        Assert.Equal(ControlFrameRejection.Replayed, receiver.Verify(Sealed(newest - ControlFrameAuthenticator.ReplayWindow)));
    }

    [Fact]
    public void Verify_FrameOlderThanMaxAge_RefusedAsStale()
    {
        var clock = ControlKeys.Clock();
        var sender = new ControlFrameAuthenticator(ControlKeys.Domain, clock);
        var receiver = new ControlFrameAuthenticator(ControlKeys.Domain, clock, new ControlFrameWindow { MaxAge = TimeSpan.FromSeconds(10) });
        var recorded = Decode(sender.Seal(Frame(1, sender.NowMicroseconds())));

        // A new receiver (or one that forgot the sender) has no window to catch the replay: the timestamp does.
        clock.Advance(TimeSpan.FromSeconds(11));

        Assert.Equal(ControlFrameRejection.Stale, receiver.Verify(recorded));
        Assert.Equal(ControlFrameRejection.Stale, receiver.Verify(Decode(sender.Seal(Frame(2, sender.NowMicroseconds() + 11_000_000)))));
        Assert.Equal(ControlFrameRejection.None, receiver.Verify(Decode(sender.Seal(Frame(3, sender.NowMicroseconds())))));
    }

    [Fact]
    public void Verify_Rotation_NextKeyTakenFromItsStartAndTheCurrentUntilItExpires()
    {
        var clock = ControlKeys.Clock();
        var sender = new ControlFrameAuthenticator(ControlKeys.Domain, clock);
        var receiver = new ControlFrameAuthenticator(ControlKeys.Domain, clock);
        clock.Advance(TimeSpan.FromDays(5)); // key 2 is valid from day 10; key 1 until day 30
        var underCurrent = Decode(sender.Seal(Frame(1, sender.NowMicroseconds())));
        clock.Advance(TimeSpan.FromDays(5));

        // From day 10 senders move to key 2 (KeyRotation.ForSending); one that holds only key 2 is heard too.
        var early = new ControlFrameAuthenticator(ControlKeys.Ring("d1", TestKeys.Symmetric(2, startDay: 10)), clock);
        var underNext = Decode(early.Seal(Frame(1, early.NowMicroseconds()) with { SourceId = 0xB2 }));
        var rotated = Decode(sender.Seal(Frame(2, sender.NowMicroseconds())));
        var heardEarly = receiver.Verify(underNext);
        clock.Advance(TimeSpan.FromDays(20)); // day 30: key 1 has expired
        var afterExpiry = Decode(sender.Seal(Frame(3, sender.NowMicroseconds())));

        Assert.Equal((1u, 2u, 2u, 2u), (KeyIdOf(underCurrent), KeyIdOf(underNext), KeyIdOf(rotated), KeyIdOf(afterExpiry)));
        Assert.Equal(ControlFrameRejection.None, heardEarly);
        Assert.Equal(ControlFrameRejection.None, receiver.Verify(afterExpiry));
        Assert.Equal(ControlFrameRejection.KeyExpired, receiver.Verify(underCurrent));
    }

    [Fact]
    public void Verify_KeyPastItsValidity_RefusedAsExpired()
    {
        var clock = ControlKeys.Clock();
        var shortLived = ControlKeys.Ring("d1", TestKeys.Symmetric(1, days: 3));
        var sender = new ControlFrameAuthenticator(shortLived, clock);
        var receiver = new ControlFrameAuthenticator(shortLived, clock);
        var frame = Decode(sender.Seal(Frame(1, sender.NowMicroseconds())));

        clock.Advance(TimeSpan.FromDays(1));

        Assert.Equal(ControlFrameRejection.KeyExpired, receiver.Verify(frame));
    }

    [Fact]
    public void Seal_NoKeyValidNow_SentUntaggedAndCounted()
    {
        var clock = new FakeTimeProvider(TestKeys.Start.AddDays(100));
        var sender = new ControlFrameAuthenticator(ControlKeys.Domain, clock);

        var frame = Decode(sender.Seal(Frame(1, sender.NowMicroseconds())));

        Assert.True(frame.Tag.IsEmpty);
        Assert.Equal((0L, 1L), (sender.Counters.Sealed, sender.Counters.NoSendingKey));
    }

    [Fact]
    public void Constructor_RingOfAnotherAlgorithm_Throws()
    {
        var gcm = ControlKeys.Ring("d1", TestKeys.Symmetric(1, KeyAlgorithm.Aes128Gcm));

        Assert.Throws<ArgumentException>(() => new ControlFrameAuthenticator(gcm, ControlKeys.Clock()));
    }

    [Fact]
    public void Verify_ManySenders_WindowsBoundedByMaxSenders()
    {
        var clock = ControlKeys.Clock();
        var receiver = new ControlFrameAuthenticator(ControlKeys.Domain, clock, new ControlFrameWindow { MaxSenders = 4 });
        var sender = new ControlFrameAuthenticator(ControlKeys.Domain, clock);

        for (ulong source = 1; source <= 10; source++)
        {
            Assert.Equal(ControlFrameRejection.None, receiver.Verify(Decode(sender.Seal(Frame(1, sender.NowMicroseconds()) with { SourceId = source }))));
        }

        Assert.Equal(4, receiver.Counters.Senders);
    }

    private static GridCastFrame Frame(ulong sequence, long timestamp) => new()
    {
        Type = FrameType.Membership,
        Group = Group,
        SourceId = 0xA1,
        Sequence = sequence,
        TimestampMicroseconds = timestamp,
        Payload = new byte[] { 1, 1, 100, 2, 0, 100, 1, 94, (byte)'g', (byte)'w', 0, 0 },
    };

    private static uint KeyIdOf(in GridCastFrame frame) => BinaryPrimitives.ReadUInt32BigEndian(frame.Tag.Span[1..]);

    private static GridCastFrame Decode(byte[] bytes)
    {
        Assert.True(FrameCodec.TryDecodeDatagram(bytes, out var frame, out var error), error.ToString());
        return frame;
    }

    /// <summary>The frame with one byte flipped (<paramref name="at"/> from the start, or from the end when negative).</summary>
    private static GridCastFrame Altered(byte[] bytes, int at)
    {
        var copy = (byte[])bytes.Clone();
        copy[at < 0 ? copy.Length + at : at] ^= 0x01;
        return Decode(copy);
    }
}
