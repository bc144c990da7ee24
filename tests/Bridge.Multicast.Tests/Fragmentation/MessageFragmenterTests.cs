using Bridge.Multicast.Fragmentation;
using Bridge.Multicast.Wire;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Bridge.Multicast.Tests.Fragmentation;

/// <summary><see cref="MessageFragmenter"/>: fragment capacity, the cut of a message, and misuse.</summary>
public sealed class MessageFragmenterTests
{
    private static readonly byte[] Group = "ham:ip:239.192.0.7:5000"u8.ToArray();

    [Theory]
    [InlineData(1472, 23, 0, 1399)]
    [InlineData(1472, 23, 16, 1383)]
    [InlineData(1472, 23, 64, 1335)]
    [InlineData(65507, 23, 0, 65434)]
    [InlineData(74, 23, 0, 1)]
    [InlineData(52, 1, 0, 1)]
    public void GetFragmentCapacity_AtomicSize_LeavesRoomAfterHeaderNameAndTag(int atomic, int groupLength, int tagLength, int expected)
    {
        Assert.Equal(expected, MessageFragmenter.GetFragmentCapacity(atomic, groupLength, tagLength));
    }

    [Theory]
    [InlineData(73, 23, 0)]
    [InlineData(89, 23, 16)]
    [InlineData(0, 23, 0)]
    [InlineData(-1, 1, 0)]
    public void GetFragmentCapacity_NoRoomForPayload_Throws(int atomic, int groupLength, int tagLength)
    {
        var exception = Assert.Throws<ArgumentOutOfRangeException>(() => MessageFragmenter.GetFragmentCapacity(atomic, groupLength, tagLength));

        Assert.Equal("atomicMessageSize", exception.ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1399)]
    public void Split_MessageThatFits_IsOneWholeFrameOverTheSamePayload(int length)
    {
        var message = Message(new byte[length]);

        var fragments = MessageFragmenter.Split(message, 1472);

        var frame = Assert.Single(fragments);
        Assert.Equal((ushort)0, frame.FragmentIndex);
        Assert.Equal((ushort)1, frame.FragmentCount);
        Assert.Equal((uint)length, frame.MessageLength);
        Assert.True(frame.Payload.Equals(message.Payload));
        Assert.Equal(FrameCodec.GetEncodedSize(Group.Length, length), FrameCodec.GetEncodedSize(frame));
    }

    [Fact]
    public void Split_OneByteMoreThanFits_IsTwoFragmentsFullThenOne()
    {
        var payload = Enumerable.Range(0, 1400).Select(i => (byte)i).ToArray();

        var fragments = MessageFragmenter.Split(Message(payload), 1472);

        Assert.Equal(2, fragments.Count);
        Assert.Equal(new FragmentLayout(1400, 2, 1399), fragments.Layout);
        Assert.Equal(payload[..1399], fragments[0].Payload.ToArray());
        Assert.Equal(payload[1399..], fragments[1].Payload.ToArray());
        Assert.All(fragments, f => Assert.Equal((ushort)2, f.FragmentCount));
        Assert.All(fragments, f => Assert.Equal(1400u, f.MessageLength));
        Assert.All(fragments, f => Assert.Equal(7UL, f.Sequence));
    }

    [Property(Arbitrary = [typeof(SplitCases)], MaxTest = 200)]
    public void Split_AnyPayloadAndAtomicSize_FragmentsFitDecodeAndRebuildPayload(SplitCase split)
    {
        var payload = Enumerable.Range(0, split.PayloadLength).Select(i => (byte)(i * 31)).ToArray();
        var message = Message(payload) with { ContentType = ContentType.ModbusPdu, Flags = FrameFlags.LastValue };

        var fragments = MessageFragmenter.Split(message, split.AtomicSize, split.TagLength);

        var capacity = split.AtomicSize - FrameCodec.HeaderSize - Group.Length - split.TagLength;
        Assert.Equal(Math.Max(1, (split.PayloadLength + capacity - 1) / capacity), fragments.Count);
        var rebuilt = new List<byte>();
        var index = 0;
        foreach (var fragment in fragments)
        {
            // The tag is set after splitting, by whoever authenticates; the room for it was kept.
            var tagged = fragment with { Tag = new byte[split.TagLength] };
            var datagram = new byte[FrameCodec.GetEncodedSize(tagged)];
            FrameCodec.Encode(tagged, datagram, maxFrameSize: split.AtomicSize);
            Assert.True(FrameCodec.TryDecodeDatagram(datagram, out var decoded, out var error), $"rejected: {error}");
            Assert.Equal(index++, decoded.FragmentIndex);
            Assert.Equal(message.Sequence, decoded.Sequence);
            Assert.Equal(message.ContentType, decoded.ContentType);
            Assert.Equal(message.Flags, decoded.Flags);
            Assert.Equal((uint)payload.Length, decoded.MessageLength);
            rebuilt.AddRange(decoded.Payload.ToArray());
        }

        Assert.Equal(payload, rebuilt);
    }

    [Fact]
    public void Split_Exactly65535Fragments_Succeeds()
    {
        var fragments = MessageFragmenter.Split(Message(new byte[ushort.MaxValue]), 74);

        Assert.Equal(ushort.MaxValue, fragments.Count);
        Assert.Equal(1, fragments[ushort.MaxValue - 1].Payload.Length);
    }

    [Fact]
    public void Split_NeedsMoreThan65535Fragments_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MessageFragmenter.Split(Message(new byte[ushort.MaxValue + 1]), 74));
    }

    [Fact]
    public void Split_AFragment_ThrowsArgumentException()
    {
        var fragment = Message(new byte[10]) with { FragmentIndex = 1, FragmentCount = 2, MessageLength = 19 };

        var exception = Assert.Throws<ArgumentException>(() => MessageFragmenter.Split(fragment, 1472));

        Assert.Equal("message", exception.ParamName);
    }

    [Fact]
    public void Split_TaggedMessage_ThrowsArgumentException()
    {
        var tagged = Message(new byte[10]) with { Tag = new byte[16] };

        var exception = Assert.Throws<ArgumentException>(() => MessageFragmenter.Split(tagged, 1472));

        Assert.Equal("message", exception.ParamName);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    public void Indexer_OutsideFragments_Throws(int index)
    {
        var fragments = MessageFragmenter.Split(Message(new byte[3000]), 1472);

        Assert.Throws<ArgumentOutOfRangeException>(() => fragments[index]);
    }

    private static GridCastFrame Message(byte[] payload) => new()
    {
        Type = FrameType.Data,
        ContentType = ContentType.Raw,
        Group = Group,
        SourceId = 0xABCDEF,
        Sequence = 7,
        TimestampMicroseconds = 1_700_000_000_000_000,
        Payload = payload,
    };
}

/// <summary>A payload length, an atomic size with room for at least one payload byte, and a tag length.</summary>
public sealed record SplitCase(int PayloadLength, int AtomicSize, int TagLength);

/// <summary>FsCheck generators for <see cref="MessageFragmenterTests"/>.</summary>
public static class SplitCases
{
    public static Arbitrary<SplitCase> Cases() => Arb.From(
        from tagLength in Gen.Frequency((2, Gen.Constant(0)), (1, Gen.Elements(16, 32, 64)))
        from atomic in Gen.Frequency(
            (1, Gen.Elements(74 + tagLength, 1472, 1280 - 48, FrameCodec.DefaultMaxFrameSize)),
            (4, Gen.Choose(74 + tagLength, 3000)))
        let capacity = atomic - FrameCodec.HeaderSize - 23 - tagLength
        from length in Gen.Frequency(
            (1, Gen.Elements(0, 1, capacity, capacity + 1, 2 * capacity, (2 * capacity) + 1)),
            (4, Gen.Choose(0, Math.Min(60_000, capacity * 200))))
        select new SplitCase(length, atomic, tagLength));
}
