using System.Text;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Transports.Overlay;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Tests.Overlay.Gateway;

/// <summary>
/// <see cref="RelayCodec"/>: a relay round-trips its ingress id and the inner frame byte for byte,
/// damaged relays are refused with a named <see cref="RelayError"/>, and a relay of a
/// maximum-size frame needs <see cref="RelayCodec.MaxOverhead"/> more than the frame limit.
/// </summary>
public sealed class RelayCodecTests
{
    private static readonly GatewayId Ingress = new("gw-ingress.provider.example");
    private static readonly byte[] GroupBytes = "ham:sg:ami.tariff.rtp"u8.ToArray();

    [Fact]
    public void Encode_ThenDecode_RoundTripsIngressAndInnerFrameByteForByte()
    {
        var innerBytes = EncodeInner(out var inner, payloadLength: 300);

        var relayBytes = RelayCodec.Encode(Ingress, inner, innerBytes);

        Assert.True(FrameCodec.TryDecodeDatagram(relayBytes, out var relay, out var frameError), frameError.ToString());
        Assert.Equal(FrameType.Relay, relay.Type);
        Assert.Equal(inner.Group.ToArray(), relay.Group.ToArray());
        Assert.Equal(inner.SourceId, relay.SourceId);
        Assert.Equal(inner.Sequence, relay.Sequence);
        Assert.Equal(inner.TimestampMicroseconds, relay.TimestampMicroseconds);
        Assert.True(RelayCodec.TryDecode(relay, out var ingress, out var carried, out var decoded, out var error));
        Assert.Equal(RelayError.None, error);
        Assert.Equal(Ingress, ingress);
        Assert.Equal(innerBytes, carried.ToArray());
        Assert.Equal(inner.Payload.ToArray(), decoded.Payload.ToArray());
        Assert.Equal(inner.Tag.ToArray(), decoded.Tag.ToArray());
        Assert.Equal((inner.Type, inner.Flags, inner.SourceId, inner.Sequence), (decoded.Type, decoded.Flags, decoded.SourceId, decoded.Sequence));
        Assert.True(relayBytes.Length - innerBytes.Length <= RelayCodec.MaxOverhead);
    }

    [Fact]
    public void TryDecode_RelaysOfSeveralIngressesInTurn_EachNamesItsOwnIngress()
    {
        // Ingress ids are looked up rather than decoded on every relay: alternating ingresses, and
        // ids one byte apart, must never be mistaken for one another.
        GatewayId[] ingresses = [new("gw-a"), new("gw-b"), new("gw-a2"), new("gw-é")];
        var innerBytes = EncodeInner(out var inner, payloadLength: 10);
        for (var round = 0; round < 3; round++)
        {
            foreach (var expected in ingresses)
            {
                Assert.True(FrameCodec.TryDecodeDatagram(RelayCodec.Encode(expected, inner, innerBytes), out var relay, out _));
                Assert.True(RelayCodec.TryDecode(relay, out var ingress, out _, out _, out var error), error.ToString());
                Assert.Equal(expected, ingress);
            }
        }
    }

    public static TheoryData<string, RelayError> DamagedRelays => new()
    {
        { "fragmented", RelayError.Fragmented },
        { "empty payload", RelayError.Truncated },
        { "payload ends inside the id", RelayError.Truncated },
        { "id length 0", RelayError.BadIngressLength },
        { "id length 129", RelayError.BadIngressLength },
        { "id not UTF-8", RelayError.InvalidUtf8 },
        { "inner garbage", RelayError.BadInnerFrame },
        { "inner cut short", RelayError.BadInnerFrame },
        { "inner with trailing bytes", RelayError.BadInnerFrame },
        { "inner is a Membership frame", RelayError.InnerNotData },
        { "header names another source", RelayError.Mismatch },
        { "header names another sequence", RelayError.Mismatch },
        { "header names another group", RelayError.Mismatch },
        { "inner request with a tag", RelayError.BadInnerRequest },
        { "inner request as a fragment", RelayError.BadInnerRequest },
    };

    [Theory]
    [MemberData(nameof(DamagedRelays))]
    public void TryDecode_DamagedRelay_RefusedWithTheNamedReason(string damage, RelayError expected)
    {
        var innerBytes = EncodeInner(out var inner);
        var id = Encoding.UTF8.GetBytes(Ingress.Value);
        byte[] Payload(params byte[][] parts) => [.. parts.SelectMany(p => p)];
        var good = Payload([(byte)id.Length], id, innerBytes);
        var relay = new GridCastFrame
        {
            Type = FrameType.Relay,
            Group = inner.Group,
            SourceId = inner.SourceId,
            Sequence = inner.Sequence,
            Payload = good,
        };

        relay = damage switch
        {
            "fragmented" => relay with { FragmentCount = 2, MessageLength = (uint)(2 * good.Length) },
            "empty payload" => relay with { Payload = Array.Empty<byte>() },
            "payload ends inside the id" => relay with { Payload = Payload([(byte)id.Length], id[..3]) },
            "id length 0" => relay with { Payload = Payload([0], innerBytes) },
            "id length 129" => relay with { Payload = Payload([129], new byte[129], innerBytes) },
            "id not UTF-8" => relay with { Payload = Payload([2, 0xC3, 0x28], innerBytes) },
            "inner garbage" => relay with { Payload = Payload([(byte)id.Length], id, "not a frame at all"u8.ToArray()) },
            "inner cut short" => relay with { Payload = Payload([(byte)id.Length], id, innerBytes[..^1]) },
            "inner with trailing bytes" => relay with { Payload = Payload([(byte)id.Length], id, innerBytes, [0]) },
            "inner is a Membership frame" => relay with { Payload = Payload([(byte)id.Length], id, EncodeInner(out _, type: FrameType.Membership)) },
            "header names another source" => relay with { SourceId = inner.SourceId + 1 },
            "header names another sequence" => relay with { Sequence = inner.Sequence + 1 },
            "header names another group" => relay with { Group = "ham:sg:vpp.schedule"u8.ToArray() },
            "inner request with a tag" => relay with { Payload = Payload([(byte)id.Length], id, EncodeInner(out _, type: FrameType.Request, tag: true)) },
            "inner request as a fragment" => relay with { Payload = Payload([(byte)id.Length], id, EncodeInner(out _, type: FrameType.Request, fragment: true)) },
            _ => throw new ArgumentOutOfRangeException(nameof(damage), damage, "no such case"),
        };

        Assert.False(RelayCodec.TryDecode(relay, out _, out _, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Encode_MaximumSizeInnerFrame_FitsALinkLimitOnlyWithMaxOverheadMore()
    {
        var innerBytes = EncodeInner(out var inner, payloadLength: FrameCodec.DefaultMaxFrameSize - FrameCodec.HeaderSize - GroupBytes.Length);
        Assert.Equal(FrameCodec.DefaultMaxFrameSize, innerBytes.Length);
        var longest = new GatewayId(new string('g', RelayCodec.MaxIngressIdLength));

        var relayBytes = RelayCodec.Encode(longest, inner, innerBytes);

        Assert.True(relayBytes.Length > FrameCodec.DefaultMaxFrameSize);
        Assert.True(relayBytes.Length <= FrameCodec.DefaultMaxFrameSize + RelayCodec.MaxOverhead);
        Assert.False(FrameCodec.TryDecodeDatagram(relayBytes, out _, out var tooLarge));
        Assert.Equal(FrameError.FrameTooLarge, tooLarge);
        Assert.True(FrameCodec.TryDecodeDatagram(relayBytes, out var relay, out _, FrameCodec.DefaultMaxFrameSize + RelayCodec.MaxOverhead));
        Assert.True(RelayCodec.TryDecode(relay, out var ingress, out var carried, out _, out _));
        Assert.Equal(longest, ingress);
        Assert.Equal(innerBytes, carried.ToArray());
    }

    [Fact]
    public void OverlayLinkOptions_DefaultMaxFrameSize_LeavesRoomForARelayOfAMaximumSizeFrame()
    {
        Assert.True(
            new OverlayLinkOptions().MaxFrameSize >= FrameCodec.DefaultMaxFrameSize + RelayCodec.MaxOverhead,
            $"the overlay link limit {new OverlayLinkOptions().MaxFrameSize} is below {FrameCodec.DefaultMaxFrameSize} + {RelayCodec.MaxOverhead}");
    }

    [Fact]
    public void MarkRelayed_SetsOnlyTheRelayedFlagOnACopy()
    {
        var innerBytes = EncodeInner(out var inner);
        var original = innerBytes.ToArray();

        var marked = RelayCodec.MarkRelayed(innerBytes);

        Assert.Equal(original, innerBytes);
        Assert.True(FrameCodec.TryDecodeDatagram(marked, out var frame, out var error), error.ToString());
        Assert.Equal(inner.Flags | FrameFlags.Relayed, frame.Flags);
        Assert.Equal(inner.Payload.ToArray(), frame.Payload.ToArray());
        Assert.Equal(1, marked.Zip(original).Count(p => p.First != p.Second));
    }

    [Fact]
    public void EncodeRequest_ThenRelay_RoundTripsTheSourcesHeaderWithThisHopsBudget()
    {
        var request = new AggregationRequest(0xBEEF, new AggregationSpec { Functions = AggregateFunctions.Count | AggregateFunctions.Sum }, TimeSpan.FromSeconds(2));
        var sent = new GridCastFrame
        {
            Type = FrameType.Request,
            Group = GroupBytes,
            SourceId = 0x1122_3344_5566_7788,
            Sequence = 12,
            TimestampMicroseconds = 1_700_000_000_000_000,
            Payload = AggregationRequestCodec.Encode(request),
        };

        var innerBytes = RelayCodec.EncodeRequest(sent, request with { Budget = TimeSpan.FromMilliseconds(1800) }, relayed: false);
        Assert.True(FrameCodec.TryDecodeDatagram(innerBytes, out var inner, out _));
        Assert.True(FrameCodec.TryDecodeDatagram(RelayCodec.Encode(Ingress, inner, innerBytes), out var relay, out _));
        Assert.True(RelayCodec.TryDecode(relay, out var ingress, out _, out var decoded, out var error), error.ToString());
        var intoDomain = RelayCodec.EncodeRequest(decoded, request with { Budget = TimeSpan.FromMilliseconds(1600) }, relayed: true);

        Assert.Equal(Ingress, ingress);
        Assert.Equal((sent.Type, sent.SourceId, sent.Sequence, sent.TimestampMicroseconds), (decoded.Type, decoded.SourceId, decoded.Sequence, decoded.TimestampMicroseconds));
        Assert.Equal(FrameFlags.None, decoded.Flags);
        Assert.True(AggregationRequestCodec.TryDecode(decoded.Payload.Span, out var hop, out _));
        Assert.Equal((request.RequestId, request.Spec.Functions, TimeSpan.FromMilliseconds(1800)), (hop.RequestId, hop.Spec.Functions, hop.Budget));
        Assert.True(FrameCodec.TryDecodeDatagram(intoDomain, out var delivered, out _));
        Assert.Equal(FrameFlags.Relayed, delivered.Flags);
        Assert.True(AggregationRequestCodec.TryDecode(delivered.Payload.Span, out var last, out _));
        Assert.Equal(TimeSpan.FromMilliseconds(1600), last.Budget);
    }

    [Fact]
    public void Encode_IngressIdLongerThan128Bytes_Throws()
    {
        var innerBytes = EncodeInner(out var inner);

        Assert.Throws<ArgumentException>(() => RelayCodec.Encode(new GatewayId(new string('g', 129)), inner, innerBytes));
    }

    private static byte[] EncodeInner(out GridCastFrame frame, int payloadLength = 16, FrameType type = FrameType.Data, bool tag = false, bool fragment = false)
    {
        var payload = new byte[payloadLength];
        new Random(payloadLength).NextBytes(payload);
        frame = new GridCastFrame
        {
            Type = type,
            Flags = FrameFlags.LastValue,
            ContentType = ContentType.Raw,
            Group = GroupBytes,
            SourceId = 0x1122_3344_5566_7788,
            Sequence = 4711,
            TimestampMicroseconds = 1_700_000_000_000_000,
            Payload = payload,
        };
        if (tag)
        {
            frame = frame with { Tag = new byte[16] };
        }

        if (fragment)
        {
            frame = frame with { FragmentCount = 2, MessageLength = (uint)(2 * payloadLength) };
        }

        var bytes = new byte[FrameCodec.GetEncodedSize(frame)];
        FrameCodec.Encode(frame, bytes);
        return bytes;
    }
}
