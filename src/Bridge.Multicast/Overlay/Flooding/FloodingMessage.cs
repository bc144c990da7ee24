using System.Buffers;
using System.Buffers.Binary;
using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Overlay.Flooding;

/// <summary>What a flooding message carries.</summary>
public enum FloodingMessageKind : byte
{
    /// <summary>One link-state advertisement, with its age.</summary>
    Advertisement = 1,

    /// <summary>The acknowledgement of one advertisement, by origin and sequence number.</summary>
    Ack = 2,
}

/// <summary>One decoded flooding message between neighbouring gateways.</summary>
/// <param name="Kind">Advertisement or acknowledgement.</param>
/// <param name="Advertisement">The advertisement, for <see cref="FloodingMessageKind.Advertisement"/>; null for an ack.</param>
/// <param name="AgeMilliseconds">How long ago the origin issued the advertisement, as the sender reckons it; 0 for an ack.</param>
/// <param name="Origin">The origin of the advertisement carried or acknowledged.</param>
/// <param name="Sequence">Its sequence number.</param>
public readonly record struct FloodingMessage(
    FloodingMessageKind Kind,
    LinkStateAdvertisement? Advertisement,
    uint AgeMilliseconds,
    GatewayId Origin,
    ulong Sequence);

/// <summary>
/// The envelope that tells advertisements from acknowledgements on an overlay link. Pure
/// functions; decoding untrusted input never throws.
/// </summary>
/// <remarks>
/// The age travels in the envelope, not in the advertisement, because it changes on every hop
/// while the advertisement does not (OSPF's LS age, RFC 2328 §12.1.1): a receiver expires an
/// advertisement <see cref="FloodingOptions.MaxAge"/> after its origin issued it, not after it
/// arrived, so copies passed around the overlay cannot keep a vanished gateway alive.
/// </remarks>
public static class FloodingMessageCodec
{
    /// <summary>Writes an advertisement message: kind, age, then the advertisement bytes as encoded.</summary>
    public static void EncodeAdvertisement(ReadOnlySpan<byte> encodedAdvertisement, uint ageMilliseconds, IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var span = writer.GetSpan(5 + encodedAdvertisement.Length);
        span[0] = (byte)FloodingMessageKind.Advertisement;
        BinaryPrimitives.WriteUInt32BigEndian(span[1..], ageMilliseconds);
        encodedAdvertisement.CopyTo(span[5..]);
        writer.Advance(5 + encodedAdvertisement.Length);
    }

    /// <summary>Writes an advertisement message for <paramref name="advertisement"/>.</summary>
    public static void EncodeAdvertisement(LinkStateAdvertisement advertisement, uint ageMilliseconds, IBufferWriter<byte> writer)
    {
        var body = new ArrayBufferWriter<byte>();
        LinkStateAdvertisementCodec.Encode(advertisement, body);
        EncodeAdvertisement(body.WrittenSpan, ageMilliseconds, writer);
    }

    /// <summary>Writes the acknowledgement of advertisement (<paramref name="origin"/>, <paramref name="sequence"/>).</summary>
    public static void EncodeAck(GatewayId origin, ulong sequence, IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        GatewayId.ThrowIfDefault(origin, nameof(origin));
        var span = writer.GetSpan(9);
        span[0] = (byte)FloodingMessageKind.Ack;
        BinaryPrimitives.WriteUInt64BigEndian(span[1..], sequence);
        writer.Advance(9);
        LinkStateAdvertisementCodec.WriteId(origin, writer);
    }

    // Layout (integers big-endian):
    //
    //   Advertisement:  +----------+---------------------+------------------------------------+
    //                   | kind = 1 | age in ms (32)      | advertisement (LinkStateAdvertisementCodec), to the end
    //                   +----------+---------------------+------------------------------------+
    //   Ack:            +----------+---------------------+-------------------+----------------+
    //                   | kind = 2 | sequence (64)       | origin len (8)    | origin id      |
    //                   +----------+---------------------+-------------------+----------------+
    //
    // Both end exactly where the input ends (the GridCast frame gives the payload length).

    /// <summary>Reads one message that fills <paramref name="input"/> exactly.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> input, out FloodingMessage message, out LsaError error)
    {
        message = default;
        if (input.IsEmpty)
        {
            error = LsaError.EmptyMessage;
            return false;
        }

        switch ((FloodingMessageKind)input[0])
        {
            case FloodingMessageKind.Advertisement:
                if (input.Length < 5)
                {
                    error = LsaError.Truncated;
                    return false;
                }

                var age = BinaryPrimitives.ReadUInt32BigEndian(input[1..]);
                if (!LinkStateAdvertisementCodec.TryDecode(input[5..], out var advertisement, out error))
                {
                    return false;
                }

                message = new FloodingMessage(FloodingMessageKind.Advertisement, advertisement, age, advertisement.Origin, advertisement.Sequence);
                return true;

            case FloodingMessageKind.Ack:
                var reader = new LinkStateAdvertisementCodec.Reader(input[1..]);
                if (!reader.TryReadUInt64(out var sequence))
                {
                    error = LsaError.Truncated;
                    return false;
                }

                if (!reader.TryReadId(out var origin, out error))
                {
                    return false;
                }

                if (reader.Remaining != 0)
                {
                    error = LsaError.TrailingBytes;
                    return false;
                }

                message = new FloodingMessage(FloodingMessageKind.Ack, null, 0, origin, sequence);
                return true;

            default:
                error = LsaError.UnknownMessageKind;
                return false;
        }
    }
}
