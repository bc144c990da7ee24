using System.Buffers.Binary;

namespace Bridge.Testing.Captures;

/// <summary>One captured packet of a pcapng file: when, on which interface and link type, and its bytes.</summary>
/// <param name="Number">Its number in the file, from 1, as Wireshark and tshark count frames.</param>
/// <param name="Interface">The index of the interface it was captured on (the order of the Interface Description Blocks).</param>
/// <param name="LinkType">The interface's link type (1: Ethernet).</param>
/// <param name="Timestamp">The capture time, in the interface's resolution (microseconds unless the file says otherwise), as ticks since the Unix epoch.</param>
/// <param name="Data">The captured bytes (as many as were captured, which may be fewer than the original length).</param>
/// <param name="OriginalLength">The packet's length on the wire.</param>
public sealed record CapturedPacket(int Number, int Interface, int LinkType, ulong Timestamp, ReadOnlyMemory<byte> Data, int OriginalLength);

/// <summary>
/// Reads the packets of a pcapng file (the format of tshark and dumpcap): Section Header,
/// Interface Description, Enhanced Packet and Simple Packet blocks, in either byte order; other
/// blocks are skipped. Enough for test vectors; not a general pcapng library.
/// </summary>
/// <remarks>
/// Every block is: type (4), total length (4), body, total length again (4); lengths are
/// multiples of 4. The byte order is the Section Header's: its byte-order magic 0x1A2B3C4D reads
/// as such in the file's order.
/// </remarks>
public static class PcapNgReader
{
    /// <summary>Link type of Ethernet interfaces (LINKTYPE_ETHERNET).</summary>
    public const int Ethernet = 1;

    private const uint SectionHeader = 0x0A0D0D0A;
    private const uint InterfaceDescription = 1;
    private const uint SimplePacket = 3;
    private const uint EnhancedPacket = 6;
    private const uint ByteOrderMagic = 0x1A2B3C4D;

    /// <summary>Every packet of the file at <paramref name="path"/>, in file order.</summary>
    public static IReadOnlyList<CapturedPacket> Read(string path) => Read(File.ReadAllBytes(path));

    /// <summary>Every packet of <paramref name="file"/>, in file order.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed pcapng file.</exception>
    public static IReadOnlyList<CapturedPacket> Read(ReadOnlyMemory<byte> file)
    {
        var packets = new List<CapturedPacket>();
        var linkTypes = new List<int>();
        var bigEndian = false;
        var offset = 0;
        var span = file.Span;
        while (offset < span.Length)
        {
            if (span.Length - offset < 12)
            {
                throw new InvalidDataException($"a block at offset {offset} is truncated ({span.Length - offset} bytes left)");
            }

            var rawType = BinaryPrimitives.ReadUInt32LittleEndian(span[offset..]);
            if (rawType == SectionHeader)
            {
                var magic = BinaryPrimitives.ReadUInt32LittleEndian(span[(offset + 8)..]);
                bigEndian = magic != ByteOrderMagic;
                if (bigEndian && BinaryPrimitives.ReadUInt32BigEndian(span[(offset + 8)..]) != ByteOrderMagic)
                {
                    throw new InvalidDataException($"section header at offset {offset} has no byte-order magic");
                }

                linkTypes.Clear(); // interface indexes are per section
            }

            var type = U32(span[offset..], bigEndian);
            var length = (int)U32(span[(offset + 4)..], bigEndian);
            if (length < 12 || length % 4 != 0 || length > span.Length - offset)
            {
                throw new InvalidDataException($"block of type {type} at offset {offset} has a bad length {length}");
            }

            if (U32(span[(offset + length - 4)..], bigEndian) != (uint)length)
            {
                throw new InvalidDataException($"block of type {type} at offset {offset}: trailing length differs from {length}");
            }

            var body = file.Slice(offset + 8, length - 12);
            switch (type)
            {
                case InterfaceDescription:
                    linkTypes.Add(U16(body.Span, bigEndian));
                    break;
                case EnhancedPacket:
                {
                    var b = body.Span;
                    var interfaceId = (int)U32(b, bigEndian);
                    var timestamp = ((ulong)U32(b[4..], bigEndian) << 32) | U32(b[8..], bigEndian);
                    var captured = (int)U32(b[12..], bigEndian);
                    var original = (int)U32(b[16..], bigEndian);
                    if (captured > b.Length - 20 || interfaceId >= linkTypes.Count)
                    {
                        throw new InvalidDataException($"enhanced packet block at offset {offset}: captured length {captured} or interface {interfaceId} out of range");
                    }

                    packets.Add(new CapturedPacket(packets.Count + 1, interfaceId, linkTypes[interfaceId], timestamp, body.Slice(20, captured), original));
                    break;
                }

                case SimplePacket:
                {
                    var original = (int)U32(body.Span, bigEndian);
                    var captured = Math.Min(original, body.Length - 4);
                    packets.Add(new CapturedPacket(packets.Count + 1, 0, linkTypes.Count > 0 ? linkTypes[0] : Ethernet, 0, body.Slice(4, captured), original));
                    break;
                }
            }

            offset += length;
        }

        return packets;
    }

    private static uint U32(ReadOnlySpan<byte> bytes, bool bigEndian)
        => bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt32LittleEndian(bytes);

    private static ushort U16(ReadOnlySpan<byte> bytes, bool bigEndian)
        => bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(bytes) : BinaryPrimitives.ReadUInt16LittleEndian(bytes);
}
