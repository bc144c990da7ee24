using System.Buffers;
using System.Globalization;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Election;
using Bridge.Multicast.Overlay.Routing;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Bridge.Multicast.Tests.Overlay.Election;

/// <summary>
/// <see cref="GatewayHelloCodec"/>: round trips over generated hellos, a table of malformed
/// payloads each rejected with its named reason, arbitrary bytes that never throw, and an encoder
/// that refuses what the decoder would reject.
/// </summary>
public sealed class GatewayHelloCodecTests
{
    public static TheoryData<string> Malformed() => MalformedHellos.Names();

    [Property(Arbitrary = [typeof(HelloGenerators)], MaxTest = 300)]
    public void EncodeThenDecode_AnyValidHello_RoundTripsEveryField(GatewayHello hello)
    {
        var bytes = GatewayHelloCodec.Encode(hello);

        Assert.True(GatewayHelloCodec.TryDecode(bytes, out var decoded, out var error), error.ToString());
        Assert.Equal(HelloError.None, error);
        Assert.Equal(GatewayHelloCodec.GetEncodedSize(hello), bytes.Length);
        Assert.Equal(hello.Gateway, decoded.Gateway);
        Assert.Equal(hello.Priority, decoded.Priority);
        Assert.Equal(hello.Ready, decoded.Ready);
        Assert.Equal(hello.HelloInterval, decoded.HelloInterval);
        Assert.Equal(hello.HoldTime, decoded.HoldTime);
        Assert.Equal(hello.Groups.Select(g => g.WireName), decoded.Groups.Select(g => g.WireName));
        Assert.Equal(bytes, GatewayHelloCodec.Encode(decoded));
    }

    [Property(Arbitrary = [typeof(HelloGenerators)], MaxTest = 300)]
    public void TryDecode_ValidHelloCutShortOrExtended_RejectedNeverThrows(GatewayHello hello, PositiveInt cut)
    {
        var bytes = GatewayHelloCodec.Encode(hello);
        var shorter = bytes[..(bytes.Length - 1 - (cut.Get % bytes.Length))];

        Assert.False(GatewayHelloCodec.TryDecode(shorter, out var none, out var error));
        Assert.Null(none);
        Assert.Equal(HelloError.Truncated, error);
        Assert.False(GatewayHelloCodec.TryDecode([.. bytes, (byte)cut.Get], out _, out error));
        Assert.Equal(HelloError.TrailingBytes, error);
    }

    [Property(MaxTest = 1000)]
    public void TryDecode_ArbitraryBytes_NeverThrowsAndAcceptsOnlyWhatReencodesIdentically(byte[] bytes)
    {
        // Mostly garbage; with version 1 and a sane header often enough to reach the later checks.
        if (bytes.Length > 2)
        {
            bytes[0] = 1;
            bytes[1] &= 1;
        }

        if (GatewayHelloCodec.TryDecode(bytes, out var hello, out var error))
        {
            Assert.Equal(HelloError.None, error);
            Assert.Equal(bytes, GatewayHelloCodec.Encode(hello));
        }
        else
        {
            Assert.NotEqual(HelloError.None, error);
            Assert.Null(hello);
        }
    }

    [Fact]
    public void TryDecode_HandBuiltHello_ReadsEveryFieldAtItsDocumentedOffset()
    {
        Assert.True(GatewayHelloCodec.TryDecode(MalformedHellos.Build(priority: 9, intervalMs: 250, holdMs: 1000), out var hello, out _));

        Assert.Equal(new GatewayId("gw-a"), hello.Gateway);
        Assert.Equal(9, hello.Priority);
        Assert.True(hello.Ready);
        Assert.Equal(TimeSpan.FromMilliseconds(250), hello.HelloInterval);
        Assert.Equal(TimeSpan.FromSeconds(1), hello.HoldTime);
        Assert.Equal(["ham:sg:grid.a", "ham:sg:grid.b"], hello.Groups.Select(g => g.WireName));
    }

    [Fact]
    public void TryDecode_SmallestHello_IsElevenBytesNotReadyWithNoGroups()
    {
        var bytes = MalformedHellos.Build(flags: 0, id: [0x78], groups: []);

        Assert.Equal(GatewayHelloCodec.MinEncodedSize, bytes.Length);
        Assert.True(GatewayHelloCodec.TryDecode(bytes, out var hello, out _));
        Assert.False(hello.Ready);
        Assert.Empty(hello.Groups);
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void TryDecode_MalformedHello_RejectedWithItsNamedReason(string name)
    {
        var malformed = MalformedHellos.Named(name);

        Assert.False(GatewayHelloCodec.TryDecode(malformed.Bytes, out var hello, out var error));

        Assert.Null(hello);
        Assert.Equal(malformed.Expected, error);
    }

    [Fact]
    public void MalformedTable_CoversEveryReason()
    {
        var covered = MalformedHellos.All.Select(m => m.Expected).ToHashSet();

        Assert.Equal(Enum.GetValues<HelloError>().Where(e => e != HelloError.None), Enum.GetValues<HelloError>().Where(covered.Contains));
    }

    [Theory]
    [InlineData(0, 350, "HelloInterval")]
    [InlineData(100, 100, "Hold time")]
    [InlineData(100, 70_000, "HoldTime")]
    [InlineData(100.5, 350, "HelloInterval")]
    public void Encode_TimesTheDecoderRejects_Throws(double intervalMs, double holdMs, string named)
    {
        var hello = Hello() with { HelloInterval = TimeSpan.FromMilliseconds(intervalMs), HoldTime = TimeSpan.FromMilliseconds(holdMs) };

        var failure = Assert.Throws<ArgumentException>(() => GatewayHelloCodec.Encode(hello));

        Assert.Contains(named, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_DuplicateGroup_Throws()
    {
        var group = GroupName.Parse("ham:sg:grid.a");

        Assert.Throws<ArgumentException>(() => GatewayHelloCodec.Encode(Hello() with { Groups = [group, GroupName.Parse("ham:sg:GRID.A")] }));
    }

    [Fact]
    public void Encode_IdLongerThan255Bytes_Throws()
    {
        Assert.Throws<ArgumentException>(() => GatewayHelloCodec.Encode(Hello() with { Gateway = new GatewayId(new string('é', 128)) }));
    }

    [Fact]
    public void Encode_MoreGroupsThanFitTheMaximum_Throws()
    {
        var groups = Enumerable.Range(0, 3000).Select(i => GroupName.Parse(string.Create(CultureInfo.InvariantCulture, $"ham:sg:substation.feeder.{i}"))).ToList();

        Assert.Throws<ArgumentException>(() => GatewayHelloCodec.Encode(Hello() with { Groups = groups }));
    }

    [Fact]
    public void Encode_ToBufferWriter_WritesTheSameBytesAsToAnArray()
    {
        var writer = new ArrayBufferWriter<byte>();
        writer.Write<byte>([0xAA]);

        GatewayHelloCodec.Encode(Hello(), writer);

        Assert.Equal([0xAA, .. GatewayHelloCodec.Encode(Hello())], writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void Encode_CredentialsOfAGroup_NeverTravel()
    {
        var hello = Hello() with { Groups = [GroupName.Parse("ham:sg:grid.a/hmac;c2VjcmV0")] };

        Assert.True(GatewayHelloCodec.TryDecode(GatewayHelloCodec.Encode(hello), out var decoded, out _));

        Assert.Equal("ham:sg:grid.a", Assert.Single(decoded.Groups).Canonical);
    }

    private static GatewayHello Hello() => new(
        new GatewayId("gw-a"),
        7,
        true,
        TimeSpan.FromMilliseconds(100),
        TimeSpan.FromMilliseconds(350),
        [GroupName.Parse("ham:sg:grid.a"), GroupName.Parse("ham:sg:grid.b")]);

    public static class HelloGenerators
    {
        public static Arbitrary<GatewayHello> Hellos() => Arb.From(
            from id in Id()
            from priority in Gen.Choose(0, 255)
            from ready in Gen.Elements(false, true)
            from interval in Gen.Choose(1, 60_000)
            from extra in Gen.Choose(1, 65_535 - interval)
            from count in Gen.Choose(0, 30)
            from groups in Group().ListOf(count).Select(g => g.DistinctBy(n => n.WireName).ToList())
            select new GatewayHello(
                new GatewayId(id),
                (byte)priority,
                ready,
                TimeSpan.FromMilliseconds(interval),
                TimeSpan.FromMilliseconds(interval + extra),
                groups));

        private static Gen<string> Id() =>
            from length in Gen.Choose(1, 40)
            from chars in Gen.Elements("abcdefghijklmnopqrstuvwxyz0123456789-.éü€".ToCharArray()).ArrayOf(length)
            select new string(chars);

        private static Gen<GroupName> Group() => Gen.OneOf(
            from a in Gen.Choose(0, 255)
            from b in Gen.Choose(0, 255)
            from port in Gen.Choose(1, 65_535)
            select GroupName.Parse(string.Create(CultureInfo.InvariantCulture, $"ham:ip:239.192.{a}.{b}:{port}")),
            from n in Gen.Choose(0, 100_000)
            select GroupName.Parse(string.Create(CultureInfo.InvariantCulture, $"ham:sg:ami.tariff.{n}")));
    }
}
