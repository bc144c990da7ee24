using System.Text;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Overlay.Gateway;

/// <summary>Why a Relay frame was refused (docs/wire-format.md §5.1.4).</summary>
public enum RelayError
{
    /// <summary>Well formed.</summary>
    None,

    /// <summary>A relay must be one whole frame; fragments of relays do not exist.</summary>
    Fragmented,

    /// <summary>The payload ends inside the ingress id.</summary>
    Truncated,

    /// <summary>The ingress id length is 0 or more than 128.</summary>
    BadIngressLength,

    /// <summary>The ingress id is not UTF-8.</summary>
    InvalidUtf8,

    /// <summary>The carried bytes are not one valid GridCast frame (the inner error is counted apart).</summary>
    BadInnerFrame,

    /// <summary>The carried frame is neither a Data frame nor a Request frame.</summary>
    InnerNotData,

    /// <summary>The carried frame names another group than the relay, or another source or sequence number.</summary>
    Mismatch,

    /// <summary>
    /// The carried frame is a Request that is a fragment or has an authentication tag: a request is
    /// always whole, and its budget is rewritten on every hop, which no tag would survive.
    /// </summary>
    BadInnerRequest,
}

/// <summary>
/// The Relay frame (type 8) that carries a frame between gateways: the header repeats the inner
/// frame's group, source id, sequence number and timestamp, and the payload is the ingress
/// gateway's id (a length byte and UTF-8) followed by the inner frame, a Data frame byte for
/// byte, or a Request frame with this hop's budget.
/// </summary>
/// <remarks>
/// The ingress gateway is where the frame entered the overlay: every gateway forwards the frame
/// along the shortest-path tree rooted there, so it needs that id. An inner Data frame stays
/// untouched for the receivers (its authentication tag, when there is one, stays valid); an inner
/// Request is re-encoded by every gateway with the budget it passes on
/// (<see cref="EncodeRequest"/>), so it carries no tag.
/// </remarks>
public static class RelayCodec
{
    /// <summary>The longest ingress id, in bytes of UTF-8.</summary>
    public const int MaxIngressIdLength = 128;

    /// <summary>
    /// The most a relay adds to the frame it carries: a header, the group name again, and the
    /// ingress id with its length byte.
    /// </summary>
    public const int MaxOverhead = FrameCodec.HeaderSize + FrameCodec.MaxGroupNameLength + 1 + MaxIngressIdLength;

    /// <summary>Encodes a relay of <paramref name="innerBytes"/>, whose decoded form is <paramref name="inner"/>.</summary>
    /// <exception cref="ArgumentException">The ingress id is empty or longer than 128 bytes.</exception>
    public static byte[] Encode(GatewayId ingress, in GridCastFrame inner, ReadOnlySpan<byte> innerBytes)
    {
        GatewayId.ThrowIfDefault(ingress, nameof(ingress));
        var idLength = Encoding.UTF8.GetByteCount(ingress.Value);
        if (idLength is 0 or > MaxIngressIdLength)
        {
            throw new ArgumentException($"Gateway id '{ingress}' must be 1 to {MaxIngressIdLength} bytes of UTF-8.", nameof(ingress));
        }

        // One array: the payload (ingress id and inner frame) is written where the encoder puts
        // the payload, and the encoder's copy of it onto itself changes nothing.
        var payloadLength = 1 + idLength + innerBytes.Length;
        var relay = new GridCastFrame
        {
            Type = FrameType.Relay,
            ContentType = ContentType.Raw,
            Group = inner.Group,
            SourceId = inner.SourceId,
            Sequence = inner.Sequence,
            TimestampMicroseconds = inner.TimestampMicroseconds,
        };
        var bytes = new byte[FrameCodec.HeaderSize + inner.Group.Length + payloadLength];
        var payload = bytes.AsMemory(FrameCodec.HeaderSize + inner.Group.Length, payloadLength);
        var span = payload.Span;
        span[0] = (byte)idLength;
        Encoding.UTF8.GetBytes(ingress.Value, span.Slice(1, idLength));
        innerBytes.CopyTo(span[(1 + idLength)..]);
        FrameCodec.Encode(relay with { Payload = payload }, bytes, bytes.Length);
        return bytes;
    }

    /// <summary>
    /// Reads a decoded Relay frame: the ingress gateway and the carried frame (a slice of
    /// <paramref name="relay"/>'s payload, decoded into <paramref name="inner"/>).
    /// </summary>
    public static bool TryDecode(
        in GridCastFrame relay,
        out GatewayId ingress,
        out ReadOnlyMemory<byte> innerBytes,
        out GridCastFrame inner,
        out RelayError error,
        int maxInnerFrameSize = FrameCodec.DefaultMaxFrameSize)
    {
        ingress = default;
        innerBytes = default;
        inner = default;
        if (relay.IsFragment)
        {
            error = RelayError.Fragmented;
            return false;
        }

        var payload = relay.Payload;
        if (payload.Length < 1)
        {
            error = RelayError.Truncated;
            return false;
        }

        int idLength = payload.Span[0];
        if (idLength is 0 or > MaxIngressIdLength)
        {
            error = RelayError.BadIngressLength;
            return false;
        }

        if (payload.Length < 1 + idLength)
        {
            error = RelayError.Truncated;
            return false;
        }

        if (!TryReadId(payload.Span.Slice(1, idLength), out ingress))
        {
            error = RelayError.InvalidUtf8;
            return false;
        }

        innerBytes = payload[(1 + idLength)..];
        if (!FrameCodec.TryDecodeDatagram(innerBytes, out inner, out _, maxInnerFrameSize))
        {
            error = RelayError.BadInnerFrame;
            return false;
        }

        if (inner.Type is not (FrameType.Data or FrameType.Request))
        {
            error = RelayError.InnerNotData;
            return false;
        }

        if (inner.Type == FrameType.Request && (inner.IsFragment || inner.Tag.Length > 0))
        {
            error = RelayError.BadInnerRequest;
            return false;
        }

        if (inner.SourceId != relay.SourceId || inner.Sequence != relay.Sequence || !inner.Group.Span.SequenceEqual(relay.Group.Span))
        {
            error = RelayError.Mismatch;
            return false;
        }

        error = RelayError.None;
        return true;
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // Ingress ids read lately on this thread: an overlay has few gateways, and every relay names
    // one, so looking the bytes up spares a string per relay. Only valid ids are kept; bounded.
    private const int MaxRememberedIds = 256;

    [ThreadStatic]
    private static Dictionary<byte[], GatewayId>? t_ids;

    private static bool TryReadId(ReadOnlySpan<byte> bytes, out GatewayId id)
    {
        var ids = t_ids ??= new Dictionary<byte[], GatewayId>(Endpoint.WireNameComparer.Instance);
        var byBytes = ids.GetAlternateLookup<ReadOnlySpan<byte>>();
        if (byBytes.TryGetValue(bytes, out id))
        {
            return true;
        }

        try
        {
            id = new GatewayId(StrictUtf8.GetString(bytes));
            if (ids.Count >= MaxRememberedIds)
            {
                ids.Clear();
            }

            ids[bytes.ToArray()] = id;
            return true;
        }
        catch (ArgumentException)
        {
            id = default;
            return false;
        }
    }

    /// <summary>
    /// The Request frame <paramref name="request"/> as the source <paramref name="original"/> sent
    /// it (group, source id, sequence number, timestamp and content type kept), with the payload
    /// re-encoded for this hop's budget and, when <paramref name="relayed"/>, the Relayed flag set
    /// for sending into a domain. A request is whole and carries no tag
    /// (<see cref="RelayError.BadInnerRequest"/>).
    /// </summary>
    public static byte[] EncodeRequest(in GridCastFrame original, AggregationRequest request, bool relayed)
    {
        ArgumentNullException.ThrowIfNull(request);
        var frame = new GridCastFrame
        {
            Type = FrameType.Request,
            Flags = relayed ? original.Flags | FrameFlags.Relayed : original.Flags & ~FrameFlags.Relayed,
            ContentType = original.ContentType,
            Group = original.Group,
            SourceId = original.SourceId,
            Sequence = original.Sequence,
            TimestampMicroseconds = original.TimestampMicroseconds,
            Payload = AggregationRequestCodec.Encode(request),
        };
        var bytes = new byte[FrameCodec.GetEncodedSize(frame)];
        FrameCodec.Encode(frame, bytes, bytes.Length);
        return bytes;
    }

    /// <summary>A copy of the frame <paramref name="innerBytes"/> with the Relayed flag set, to send into a domain.</summary>
    public static byte[] MarkRelayed(ReadOnlySpan<byte> innerBytes)
    {
        var copy = innerBytes.ToArray();
        copy[4] |= (byte)FrameFlags.Relayed;
        return copy;
    }
}
