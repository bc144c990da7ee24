using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Unicode;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Overlay.Flooding;

/// <summary>
/// The byte form of a <see cref="LinkStateAdvertisement"/>, the body of a flooded advertisement
/// (<see cref="FloodingMessageCodec"/>), itself the payload of a GridCast frame of type LinkState.
/// Pure functions; decoding untrusted input never throws.
/// </summary>
public static class LinkStateAdvertisementCodec
{
    /// <summary>The longest gateway id, in UTF-8 bytes.</summary>
    public const int MaxIdLength = 128;

    /// <summary>The most links one advertisement may list.</summary>
    public const int MaxLinks = 1024;

    /// <summary>The most groups one advertisement may list.</summary>
    public const int MaxGroups = 4096;

    /// <summary>The longest group wire name, in UTF-8 bytes (as in the GridCast frame header).</summary>
    public const int MaxGroupNameLength = Wire.FrameCodec.MaxGroupNameLength;

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>Writes <paramref name="advertisement"/>; returns the number of bytes written.</summary>
    /// <exception cref="ArgumentException">An id, a group name or a count is above its limit (our misuse, not the peer's).</exception>
    public static int Encode(LinkStateAdvertisement advertisement, IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(advertisement);
        ArgumentNullException.ThrowIfNull(writer);
        if (advertisement.Links.Count > MaxLinks)
        {
            throw new ArgumentException($"{advertisement} has more than {MaxLinks} links.", nameof(advertisement));
        }

        if (advertisement.Groups.Count > MaxGroups)
        {
            throw new ArgumentException($"{advertisement} has more than {MaxGroups} groups.", nameof(advertisement));
        }

        var written = WriteId(advertisement.Origin, writer);
        var span = writer.GetSpan(8 + 2);
        BinaryPrimitives.WriteUInt64BigEndian(span, advertisement.Sequence);
        BinaryPrimitives.WriteUInt16BigEndian(span[8..], (ushort)advertisement.Links.Count);
        writer.Advance(10);
        written += 10;
        foreach (var link in advertisement.Links)
        {
            written += WriteId(link.Neighbor, writer);
            span = writer.GetSpan(4);
            BinaryPrimitives.WriteUInt32BigEndian(span, link.CostMicroseconds);
            writer.Advance(4);
            written += 4;
        }

        span = writer.GetSpan(2);
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)advertisement.Groups.Count);
        writer.Advance(2);
        written += 2;
        foreach (var group in advertisement.Groups)
        {
            var length = Utf8NoBom.GetByteCount(group.WireName);
            if (length is 0 or > MaxGroupNameLength)
            {
                throw new ArgumentException($"group name of {length} bytes is outside 1..{MaxGroupNameLength}.", nameof(advertisement));
            }

            span = writer.GetSpan(2 + length);
            BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)length);
            Utf8NoBom.GetBytes(group.WireName, span.Slice(2, length));
            writer.Advance(2 + length);
            written += 2 + length;
        }

        return written;
    }

    // Layout (all integers big-endian; ids and names UTF-8, no terminator):
    //
    //   0                   1                   2                   3
    //   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    //  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //  | origin len (8)| origin id (1..128 bytes)                    ...
    //  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //  |                      sequence number (64)                     |
    //  |                                                               |
    //  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //  |   link count (16, ≤ 1024)     |  then per link:               |
    //  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               |
    //  |   neighbour len (8) | neighbour id | cost in µs (32, ≥ 1)      |
    //  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //  |   group count (16, ≤ 4096)    |  then per group:              |
    //  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               |
    //  |   name len (16, 1..1024)      | group wire name (ham: URI)  ...
    //  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //
    // The advertisement ends with the last group: trailing bytes are an error, since the
    // enclosing message gives its length. The invariants of LinkStateAdvertisement (no self link,
    // no repeated neighbour, cost ≥ 1) are checked here, so that a peer's garbage is a named drop
    // reason and never the constructor's ArgumentException.

    /// <summary>Reads one advertisement that fills <paramref name="input"/> exactly.</summary>
    /// <returns>True with <paramref name="error"/> = <see cref="LsaError.None"/>, or false with the reason.</returns>
    public static bool TryDecode(ReadOnlySpan<byte> input, [NotNullWhen(true)] out LinkStateAdvertisement? advertisement, out LsaError error)
    {
        advertisement = null;
        var reader = new Reader(input);
        if (!reader.TryReadId(out var origin, out error))
        {
            return false;
        }

        if (!reader.TryReadUInt64(out var sequence) || !reader.TryReadUInt16(out var linkCount))
        {
            error = LsaError.Truncated;
            return false;
        }

        if (linkCount > MaxLinks)
        {
            error = LsaError.TooManyLinks;
            return false;
        }

        var links = new AdvertisedLink[linkCount];
        var neighbors = new HashSet<GatewayId>();
        for (var i = 0; i < linkCount; i++)
        {
            if (!reader.TryReadId(out var neighbor, out error))
            {
                return false;
            }

            if (!reader.TryReadUInt32(out var cost))
            {
                error = LsaError.Truncated;
                return false;
            }

            error = neighbor == origin ? LsaError.SelfLink
                : cost == 0 ? LsaError.ZeroCost
                : !neighbors.Add(neighbor) ? LsaError.DuplicateLink
                : LsaError.None;
            if (error != LsaError.None)
            {
                return false;
            }

            links[i] = new AdvertisedLink(neighbor, cost);
        }

        if (!reader.TryReadUInt16(out var groupCount))
        {
            error = LsaError.Truncated;
            return false;
        }

        if (groupCount > MaxGroups)
        {
            error = LsaError.TooManyGroups;
            return false;
        }

        var groups = new GroupName[groupCount];
        var seen = new HashSet<GroupName>();
        for (var i = 0; i < groupCount; i++)
        {
            if (!reader.TryReadUInt16(out var nameLength))
            {
                error = LsaError.Truncated;
                return false;
            }

            if (nameLength is 0 or > MaxGroupNameLength)
            {
                error = LsaError.BadGroupNameLength;
                return false;
            }

            if (!reader.TryReadBytes(nameLength, out var nameBytes))
            {
                error = LsaError.Truncated;
                return false;
            }

            if (!Utf8.IsValid(nameBytes))
            {
                error = LsaError.InvalidUtf8;
                return false;
            }

            if (!GroupName.TryParse(Utf8NoBom.GetString(nameBytes), out var group, out _))
            {
                error = LsaError.BadGroupName;
                return false;
            }

            if (!seen.Add(group))
            {
                error = LsaError.DuplicateGroup;
                return false;
            }

            groups[i] = group;
        }

        if (reader.Remaining != 0)
        {
            error = LsaError.TrailingBytes;
            return false;
        }

        advertisement = new LinkStateAdvertisement(origin, sequence, links, groups);
        error = LsaError.None;
        return true;
    }

    internal static int WriteId(GatewayId id, IBufferWriter<byte> writer)
    {
        var length = Utf8NoBom.GetByteCount(id.Value);
        if (length is 0 or > MaxIdLength)
        {
            throw new ArgumentException($"gateway id of {length} bytes is outside 1..{MaxIdLength}.", nameof(id));
        }

        var span = writer.GetSpan(1 + length);
        span[0] = (byte)length;
        Utf8NoBom.GetBytes(id.Value, span.Slice(1, length));
        writer.Advance(1 + length);
        return 1 + length;
    }

    /// <summary>A cursor over untrusted bytes: every read checks the bounds first.</summary>
    internal ref struct Reader(ReadOnlySpan<byte> input)
    {
        private readonly ReadOnlySpan<byte> _input = input;
        private int _position;

        public readonly int Remaining => _input.Length - _position;

        public bool TryReadByte(out byte value)
        {
            value = 0;
            if (Remaining < 1)
            {
                return false;
            }

            value = _input[_position++];
            return true;
        }

        public bool TryReadUInt16(out ushort value)
        {
            value = 0;
            if (Remaining < 2)
            {
                return false;
            }

            value = BinaryPrimitives.ReadUInt16BigEndian(_input[_position..]);
            _position += 2;
            return true;
        }

        public bool TryReadUInt32(out uint value)
        {
            value = 0;
            if (Remaining < 4)
            {
                return false;
            }

            value = BinaryPrimitives.ReadUInt32BigEndian(_input[_position..]);
            _position += 4;
            return true;
        }

        public bool TryReadUInt64(out ulong value)
        {
            value = 0;
            if (Remaining < 8)
            {
                return false;
            }

            value = BinaryPrimitives.ReadUInt64BigEndian(_input[_position..]);
            _position += 8;
            return true;
        }

        public bool TryReadBytes(int count, out ReadOnlySpan<byte> bytes)
        {
            bytes = default;
            if (Remaining < count)
            {
                return false;
            }

            bytes = _input.Slice(_position, count);
            _position += count;
            return true;
        }

        /// <summary>A length-prefixed gateway id (one length byte, 1..<see cref="MaxIdLength"/>).</summary>
        public bool TryReadId(out GatewayId id, out LsaError error)
        {
            id = default;
            if (!TryReadByte(out var length))
            {
                error = LsaError.Truncated;
                return false;
            }

            if (length is 0 or > MaxIdLength)
            {
                error = LsaError.BadIdLength;
                return false;
            }

            if (!TryReadBytes(length, out var bytes))
            {
                error = LsaError.Truncated;
                return false;
            }

            if (!Utf8.IsValid(bytes))
            {
                error = LsaError.InvalidUtf8;
                return false;
            }

            id = new GatewayId(Utf8NoBom.GetString(bytes));
            error = LsaError.None;
            return true;
        }
    }
}
