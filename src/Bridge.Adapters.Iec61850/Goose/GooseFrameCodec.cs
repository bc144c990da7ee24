using System.Buffers;
using System.Buffers.Binary;

namespace Bridge.Adapters.Iec61850.Goose;

/// <summary>
/// Encodes and decodes GOOSE Ethernet frames (IEC 61850-8-1 Annex C, ISO/IEC 8802-3 with an
/// optional IEEE 802.1Q tag), without the frame check sequence (the NIC adds and strips it). Pure.
/// </summary>
public static class GooseFrameCodec
{
    /// <summary>The GOOSE EtherType.</summary>
    public const ushort EtherType = 0x88B8;

    /// <summary>The 802.1Q tag protocol identifier.</summary>
    public const ushort VlanEtherType = 0x8100;

    /// <summary>APPID, Length, Reserved 1 and Reserved 2: the octets the Length field counts before the APDU.</summary>
    public const int GooseHeaderSize = 8;

    /// <summary>The smallest Ethernet frame without its FCS; shorter frames are padded with zeros.</summary>
    public const int MinFrameSize = 60;

    //  0                   1                   2                   3
    //  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    // +---------------------------------------------------------------+
    // |            destination 01-0C-CD-01-xx-xx (6 octets)           |  0
    // +                               +-------------------------------+
    // |                               |                               |
    // +-------------------------------+                               +
    // |                        source (6 octets)                      |  6
    // +---------------------------------------------------------------+
    // |   [TPID 0x8100]               | [PCP |D|        VID        ] |  12, only when tagged
    // +-------------------------------+-------------------------------+
    // |   EtherType 0x88B8            |            APPID              |  12 (16 when tagged)
    // +-------------------------------+-------------------------------+
    // |   Length = 8 + APDU octets    |  Reserved 1 (bit 15: S)       |
    // +-------------------------------+-------------------------------+
    // |   Reserved 2                  |  APDU (goosePdu, BER) ...     |
    // +-------------------------------+                               +
    // |   ... then zero padding up to 60 octets, which Length leaves out
    // +---------------------------------------------------------------+
    //
    // Length is checked against the frame before the APDU is sliced: it must cover its own 8
    // octets and not reach past the frame's end (padding after it is allowed).

    /// <summary>Decodes a frame (destination first, no FCS). Returns false with the reason when it is no GOOSE frame.</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> frame, out GooseFrame decoded, out GooseFrameRejection rejection)
    {
        decoded = default;
        var span = frame.Span;
        if (span.Length < 14 + GooseHeaderSize)
        {
            rejection = GooseFrameRejection.TooShort;
            return false;
        }

        var offset = 12;
        VlanTag? vlan = null;
        var etherType = BinaryPrimitives.ReadUInt16BigEndian(span[offset..]);
        if (etherType == VlanEtherType)
        {
            if (span.Length < 18 + GooseHeaderSize)
            {
                rejection = GooseFrameRejection.TooShort;
                return false;
            }

            vlan = VlanTag.FromControlInformation(BinaryPrimitives.ReadUInt16BigEndian(span[(offset + 2)..]));
            offset += 4;
            etherType = BinaryPrimitives.ReadUInt16BigEndian(span[offset..]);
        }

        if (etherType != EtherType)
        {
            rejection = GooseFrameRejection.NotGoose;
            return false;
        }

        offset += 2;
        var length = BinaryPrimitives.ReadUInt16BigEndian(span[(offset + 2)..]);
        if (length < GooseHeaderSize)
        {
            rejection = GooseFrameRejection.LengthBelowHeader;
            return false;
        }

        if (length > span.Length - offset)
        {
            rejection = GooseFrameRejection.LengthBeyondFrame;
            return false;
        }

        var header = new GooseFrameHeader
        {
            Destination = MacAddress.Read(span),
            Source = MacAddress.Read(span[6..]),
            Vlan = vlan,
            AppId = BinaryPrimitives.ReadUInt16BigEndian(span[offset..]),
            Reserved1 = BinaryPrimitives.ReadUInt16BigEndian(span[(offset + 4)..]),
            Reserved2 = BinaryPrimitives.ReadUInt16BigEndian(span[(offset + 6)..]),
        };
        decoded = new GooseFrame(header, frame.Slice(offset + GooseHeaderSize, length - GooseHeaderSize));
        rejection = GooseFrameRejection.None;
        return true;
    }

    /// <summary>The frame size for an APDU of <paramref name="apduLength"/> octets, padding included.</summary>
    public static int GetEncodedSize(in GooseFrameHeader header, int apduLength)
        => Math.Max(MinFrameSize, 14 + (header.Vlan is null ? 0 : 4) + GooseHeaderSize + apduLength);

    /// <summary>Writes a frame carrying <paramref name="apdu"/>; returns the octets written.</summary>
    /// <exception cref="ArgumentException">The APDU is too long for the 16-bit Length field, or the destination too short.</exception>
    public static int Encode(in GooseFrameHeader header, ReadOnlySpan<byte> apdu, Span<byte> destination)
    {
        if (apdu.Length > ushort.MaxValue - GooseHeaderSize)
        {
            throw new ArgumentException($"an APDU of {apdu.Length} octets does not fit the 16-bit Length field", nameof(apdu));
        }

        var size = GetEncodedSize(header, apdu.Length);
        if (destination.Length < size)
        {
            throw new ArgumentException($"the frame needs {size} bytes, the destination has {destination.Length}", nameof(destination));
        }

        header.Destination.Write(destination);
        header.Source.Write(destination[6..]);
        var offset = 12;
        if (header.Vlan is { } vlan)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination[offset..], VlanEtherType);
            BinaryPrimitives.WriteUInt16BigEndian(destination[(offset + 2)..], vlan.ControlInformation);
            offset += 4;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination[offset..], EtherType);
        offset += 2;
        BinaryPrimitives.WriteUInt16BigEndian(destination[offset..], header.AppId);
        BinaryPrimitives.WriteUInt16BigEndian(destination[(offset + 2)..], (ushort)(GooseHeaderSize + apdu.Length));
        BinaryPrimitives.WriteUInt16BigEndian(destination[(offset + 4)..], header.Reserved1);
        BinaryPrimitives.WriteUInt16BigEndian(destination[(offset + 6)..], header.Reserved2);
        offset += GooseHeaderSize;
        apdu.CopyTo(destination[offset..]);
        destination[(offset + apdu.Length)..size].Clear();
        return size;
    }

    /// <summary>Writes a frame carrying <paramref name="apdu"/> to <paramref name="writer"/>; returns the octets written.</summary>
    public static int Encode(in GooseFrameHeader header, ReadOnlySpan<byte> apdu, IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var size = Encode(header, apdu, writer.GetSpan(GetEncodedSize(header, apdu.Length)));
        writer.Advance(size);
        return size;
    }
}
