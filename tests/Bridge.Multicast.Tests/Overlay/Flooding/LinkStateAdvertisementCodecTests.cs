using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Flooding;
using Bridge.Multicast.Overlay.Routing;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Bridge.Multicast.Tests.Overlay.Flooding;

public sealed class LinkStateAdvertisementCodecTests
{
    private static readonly GroupName[] Names =
    [
        GroupName.Parse("ham:sg:ami.tariff.rtp"),
        GroupName.Parse("ham:sg:vpp.schedule"),
        GroupName.Parse("ham:ip:239.192.0.7:5000"),
        GroupName.Parse("ham:sg:dsm.shed"),
    ];

    [Property(Arbitrary = [typeof(AdvertisementGenerators)], MaxTest = 300)]
    public void Encode_ThenTryDecode_GivesTheSameAdvertisement(LinkStateAdvertisement original)
    {
        var bytes = Encode(original);

        Assert.True(LinkStateAdvertisementCodec.TryDecode(bytes, out var decoded, out var error), error.ToString());
        Assert.Equal(LsaError.None, error);
        AssertSame(original, decoded);
    }

    [Property(Arbitrary = [typeof(AdvertisementGenerators)], MaxTest = 100)]
    public void TryDecode_EveryProperPrefix_IsTruncatedNeverThrows(LinkStateAdvertisement original)
    {
        var bytes = Encode(original);

        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.False(LinkStateAdvertisementCodec.TryDecode(bytes.AsSpan(0, length), out var decoded, out var error));
            Assert.Null(decoded);
            Assert.Equal(LsaError.Truncated, error);
        }
    }

    [Property(MaxTest = 500)]
    public void TryDecode_RandomBytes_NeverThrows(byte[] garbage)
    {
        var ok = LinkStateAdvertisementCodec.TryDecode(garbage, out var decoded, out var error);

        Assert.Equal(ok, decoded is not null);
        Assert.Equal(ok, error == LsaError.None);
    }

    public static TheoryData<string, byte[], LsaError> Malformed() => new()
    {
        { "empty", [], LsaError.Truncated },
        { "origin length zero", Lsa(id: []), LsaError.BadIdLength },
        { "origin length above the limit", [129, .. new byte[129], .. new byte[12]], LsaError.BadIdLength },
        { "origin cut short", [5, (byte)'a', (byte)'b'], LsaError.Truncated },
        { "origin not UTF-8", Lsa(id: [0xC3, 0x28]), LsaError.InvalidUtf8 },
        { "sequence cut short", [.. Id("a"), 0, 0, 0], LsaError.Truncated },
        { "link count above the limit", [.. Id("a"), .. U64(1), .. U16(1025)], LsaError.TooManyLinks },
        { "link cut short", [.. Id("a"), .. U64(1), .. U16(1), .. Id("b"), 0, 0], LsaError.Truncated },
        { "link to itself", Lsa(links: [.. Id("a"), .. U32(5)], linkCount: 1), LsaError.SelfLink },
        { "link of cost zero", Lsa(links: [.. Id("b"), .. U32(0)], linkCount: 1), LsaError.ZeroCost },
        { "neighbour twice", Lsa(links: [.. Id("b"), .. U32(5), .. Id("b"), .. U32(7)], linkCount: 2), LsaError.DuplicateLink },
        { "neighbour id of length zero", Lsa(links: [0, .. U32(5)], linkCount: 1), LsaError.BadIdLength },
        { "group count missing", [.. Id("a"), .. U64(1), .. U16(0)], LsaError.Truncated },
        { "group count above the limit", Lsa(groups: [], groupCount: 4097), LsaError.TooManyGroups },
        { "group name length zero", Lsa(groups: [0, 0], groupCount: 1), LsaError.BadGroupNameLength },
        { "group name length above the limit", Lsa(groups: [.. U16(1025)], groupCount: 1), LsaError.BadGroupNameLength },
        { "group name cut short", Lsa(groups: [.. U16(20), (byte)'h', (byte)'a'], groupCount: 1), LsaError.Truncated },
        { "group name not UTF-8", Lsa(groups: [.. U16(2), 0xFF, 0xFE], groupCount: 1), LsaError.InvalidUtf8 },
        { "group name not a ham URI", Lsa(groups: Name("http://x"), groupCount: 1), LsaError.BadGroupName },
        { "group twice", Lsa(groups: [.. Name("ham:sg:a.b"), .. Name("ham:sg:a.b")], groupCount: 2), LsaError.DuplicateGroup },
        { "trailing byte", [.. Lsa(), 0], LsaError.TrailingBytes },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void TryDecode_MalformedInput_IsRejectedWithItsReason(string why, byte[] input, LsaError expected)
    {
        var ok = LinkStateAdvertisementCodec.TryDecode(input, out var decoded, out var error);

        Assert.False(ok, why);
        Assert.Null(decoded);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void TryDecode_WellFormedHandMadeBytes_Decodes()
    {
        var input = Lsa(
            links: [.. Id("b"), .. U32(5), .. Id("c"), .. U32(9)],
            linkCount: 2,
            groups: [.. Name("ham:sg:a.b")],
            groupCount: 1);

        Assert.True(LinkStateAdvertisementCodec.TryDecode(input, out var decoded, out _));
        Assert.Equal("a", decoded.Origin.Value);
        Assert.Equal(7UL, decoded.Sequence);
        Assert.Equal([new AdvertisedLink(new("b"), 5), new AdvertisedLink(new("c"), 9)], decoded.Links);
        Assert.Equal([GroupName.Parse("ham:sg:a.b")], decoded.Groups);
    }

    public static TheoryData<string, byte[], LsaError> MalformedMessages() => new()
    {
        { "empty", [], LsaError.EmptyMessage },
        { "unknown kind", [9, 0, 0], LsaError.UnknownMessageKind },
        { "advertisement without age", [1, 0, 0], LsaError.Truncated },
        { "advertisement with a bad body", [1, 0, 0, 0, 0, 0], LsaError.BadIdLength },
        { "ack cut short", [2, 0, 0, 0], LsaError.Truncated },
        { "ack without origin", [2, .. U64(3)], LsaError.Truncated },
        { "ack with trailing byte", [2, .. U64(3), .. Id("a"), 1], LsaError.TrailingBytes },
    };

    [Theory]
    [MemberData(nameof(MalformedMessages))]
    public void FloodingMessageTryDecode_MalformedInput_IsRejectedWithItsReason(string why, byte[] input, LsaError expected)
    {
        Assert.False(FloodingMessageCodec.TryDecode(input, out _, out var error), why);
        Assert.Equal(expected, error);
    }

    [Property(Arbitrary = [typeof(AdvertisementGenerators)], MaxTest = 100)]
    public void FloodingMessage_RoundTrips_AdvertisementAndAck(LinkStateAdvertisement original, uint age)
    {
        var writer = new ArrayBufferWriter<byte>();
        FloodingMessageCodec.EncodeAdvertisement(original, age, writer);
        Assert.True(FloodingMessageCodec.TryDecode(writer.WrittenSpan, out var message, out var error), error.ToString());
        Assert.Equal((FloodingMessageKind.Advertisement, age, original.Origin, original.Sequence), (message.Kind, message.AgeMilliseconds, message.Origin, message.Sequence));
        AssertSame(original, message.Advertisement!);

        writer.Clear();
        FloodingMessageCodec.EncodeAck(original.Origin, original.Sequence, writer);
        Assert.True(FloodingMessageCodec.TryDecode(writer.WrittenSpan, out var ack, out _));
        Assert.Equal(new FloodingMessage(FloodingMessageKind.Ack, null, 0, original.Origin, original.Sequence), ack);
    }

    [Fact]
    public void Encode_IdAboveTheLimit_ThrowsForOurOwnMisuse()
    {
        var advertisement = new LinkStateAdvertisement(new(new string('x', 129)), 1, [], []);

        Assert.Throws<ArgumentException>(() => Encode(advertisement));
    }

    internal static byte[] Encode(LinkStateAdvertisement advertisement)
    {
        var writer = new ArrayBufferWriter<byte>();
        var written = LinkStateAdvertisementCodec.Encode(advertisement, writer);
        Assert.Equal(writer.WrittenCount, written);
        return writer.WrittenSpan.ToArray();
    }

    internal static void AssertSame(LinkStateAdvertisement expected, LinkStateAdvertisement actual)
    {
        Assert.Equal(expected.Origin, actual.Origin);
        Assert.Equal(expected.Sequence, actual.Sequence);
        Assert.Equal(expected.Links, actual.Links);
        Assert.Equal(expected.Groups, actual.Groups);
    }

    /// <summary>Origin "a", sequence 7, then the given link and group sections.</summary>
    private static byte[] Lsa(byte[]? id = null, byte[]? links = null, int linkCount = 0, byte[]? groups = null, int groupCount = 0) =>
        [(byte)(id ?? "a"u8.ToArray()).Length, .. id ?? "a"u8.ToArray(), .. U64(7), .. U16(linkCount), .. links ?? [], .. U16(groupCount), .. groups ?? []];

    private static byte[] Id(string id) => [(byte)Encoding.UTF8.GetByteCount(id), .. Encoding.UTF8.GetBytes(id)];

    private static byte[] Name(string name) => [.. U16(Encoding.UTF8.GetByteCount(name)), .. Encoding.UTF8.GetBytes(name)];

    private static byte[] U16(int value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)value);
        return bytes;
    }

    private static byte[] U32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] U64(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return bytes;
    }

    public static class AdvertisementGenerators
    {
        private static readonly Gen<GatewayId> Ids =
            from length in Gen.Choose(1, 12)
            from chars in Gen.ArrayOf(Gen.Elements('a', 'z', '0', '-', '.', 'é', '√'), length)
            let text = new string(chars)
            select new GatewayId(text);

        public static Arbitrary<LinkStateAdvertisement> Advertisements() => Arb.From(
            from origin in Ids
            from sequence in Gen.OneOf(Gen.Elements(0UL, 1UL, 42UL, ulong.MaxValue), ArbMap.Default.GeneratorFor<ulong>())
            from neighbors in Gen.ListOf(Ids)
            from costs in Gen.ArrayOf(Gen.OneOf(Gen.Elements(1u, 2u, 1000u, uint.MaxValue), Gen.Choose(1, int.MaxValue).Select(c => (uint)c)), neighbors.Count)
            from groups in Gen.SubListOf(Names)
            let links = neighbors.Zip(costs).Where(l => l.First != origin).DistinctBy(l => l.First).Select(l => new AdvertisedLink(l.First, l.Second))
            select new LinkStateAdvertisement(origin, sequence, links, groups));
    }
}
