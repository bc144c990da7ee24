using System.Buffers;
using System.Buffers.Binary;
using Bridge.Adapters.Iec61850.Ber;

namespace Bridge.Adapters.Iec61850.RGoose;

/// <summary>
/// Encodes and decodes R-GOOSE: the session protocol of IEC 61850-90-5 (§11.3) behind the
/// connectionless transport's unit-data header, carried in UDP datagrams to port 102. Pure: no
/// I/O, no clock, no cryptography (the security fields are carried; issue 17 checks them).
/// </summary>
/// <remarks>
/// <para><b>Lengths.</b> The header length octets and the SPDU length of the one third-party
/// implementation at hand (libiec61850's R-GOOSE branch) are constants that do not count the
/// octets that follow (../shared/iec61850/README.md), and tshark's dissector ignores them. The
/// decoder therefore reads them as received and parses by structure: fixed fields, the IV by its
/// length octet, the payload by the payload length, then padding and signature. The encoder
/// writes what libiec61850 writes (24, 18 and 20 + payload length), so that its receivers and
/// ours read our SPDUs alike; <see cref="RGooseSpdu"/> keeps the received values for a stricter
/// check once the standard's counting is settled.</para>
/// <para><b>APDU length.</b> In a payload element, libiec61850 writes the goosePdu's length + 2
/// and tshark walks the payload on that reading (the field counts itself). The decoder accepts
/// the goosePdu's BER length or that + 2 and takes the element's extent from the BER length; the
/// encoder writes + 2.</para>
/// </remarks>
public static class RGooseCodec
{
    /// <summary>The UDP port of R-GOOSE (and R-SV).</summary>
    public const int Port = 102;

    /// <summary>The session identifier of GOOSE SPDUs.</summary>
    public const byte GooseSessionIdentifier = 0xA1;

    /// <summary>The payload type tag of a GOOSE APDU.</summary>
    public const byte GoosePayloadTag = 0x81;

    /// <summary>The session protocol version written.</summary>
    public const ushort Version = 2;

    /// <summary>The session header length octet written (libiec61850's constant).</summary>
    public const byte SessionHeaderLengthWritten = 24;

    /// <summary>The common session header length octet written (libiec61850's constant).</summary>
    public const byte CommonHeaderLengthWritten = 18;

    /// <summary>The octets before the IV: CLTP (2), SI, LI, PI, LI, SPDU length (4), number (4), version (2), key times (6), key id (4), IV length (1).</summary>
    public const int FixedHeaderSize = 27;

    /// <summary>A payload element's header: tag, simulation, APPID (2), APDU length (2).</summary>
    public const int PayloadElementHeaderSize = 6;

    private const byte CltpLengthIndicator = 0x01;
    private const byte CltpUnitData = 0x40;
    private const byte CommonHeaderIdentifier = 0x80;
    private const byte PaddingTag = 0xAF;
    private const byte SignatureTag = 0x85;
    private const int SpduLengthBase = 20;

    // The UDP payload; all integers big-endian:
    //
    //  0                   1                   2                   3
    //  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    // +---------------+---------------+---------------+---------------+
    // | CLTP LI 0x01  | CLTP UD 0x40  |  SI 0xA1      |  LI (24)      |  0
    // +---------------+---------------+---------------+---------------+
    // |  PI 0x80      |  LI (18)      |         SPDU length (32) ...  |  4
    // +---------------+---------------+-------------------------------+
    // |  ... SPDU length              |         SPDU number (32) ...  |  8
    // +-------------------------------+-------------------------------+
    // |  ... SPDU number              |         version (2)           | 12
    // +-------------------------------+-------------------------------+
    // |                     TimeOfCurrentKey (32)                     | 16
    // +-------------------------------+-------------------------------+
    // |     TimeToNextKey (16)        |         key id (32) ...       | 20
    // +-------------------------------+---------------+---------------+
    // |  ... key id                   | IV length n   | IV (n) ...    | 24
    // +-------------------------------+---------------+---------------+
    // |               payload length P (32), at 27 + n                |
    // +---------------+---------------+-------------------------------+
    // | tag 0x81      | simulation    |            APPID              |  payload element
    // +---------------+---------------+-------------------------------+  (one or more,
    // |  APDU length (goosePdu + 2)   |  goosePdu (BER) ...           |   P octets in all)
    // +-------------------------------+-------------------------------+
    // | [0xAF | len | padding]  [0x85 | len | HMAC or GCM tag]        |  trailer
    // +---------------------------------------------------------------+
    //
    // Each length is checked against what the datagram has left before anything it covers is
    // read; the trailer must be exactly the optional padding and the optional signature.

    /// <summary>Decodes the session layer of one UDP payload. Returns false with the reason when it is no R-GOOSE SPDU.</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> datagram, out RGooseSpdu spdu, out RGooseRejection rejection)
    {
        spdu = default;
        var span = datagram.Span;
        rejection = CheckFixedHeader(span);
        if (rejection != RGooseRejection.None)
        {
            return false;
        }

        var ivLength = span[26];
        if (ivLength > span.Length - FixedHeaderSize)
        {
            rejection = RGooseRejection.InitializationVectorBeyondEnd;
            return false;
        }

        var payloadLengthOffset = FixedHeaderSize + ivLength;
        if (span.Length - payloadLengthOffset < 4)
        {
            rejection = RGooseRejection.Truncated;
            return false;
        }

        var payloadLength = BinaryPrimitives.ReadUInt32BigEndian(span[payloadLengthOffset..]);
        var userDataOffset = payloadLengthOffset + 4;
        if (payloadLength > (uint)(span.Length - userDataOffset))
        {
            rejection = RGooseRejection.PayloadBeyondEnd;
            return false;
        }

        var position = userDataOffset + (int)payloadLength;
        var padding = ReadOnlyMemory<byte>.Empty;
        if (position < span.Length && span[position] == PaddingTag)
        {
            if (!TryReadTrailerElement(span, ref position, out var start, out var length))
            {
                rejection = RGooseRejection.BadTrailer;
                return false;
            }

            padding = datagram.Slice(start, length);
        }

        var signedLength = position;
        var hasSignature = false;
        var signature = ReadOnlyMemory<byte>.Empty;
        if (position < span.Length)
        {
            if (span[position] != SignatureTag || !TryReadTrailerElement(span, ref position, out var start, out var length) || position != span.Length)
            {
                rejection = RGooseRejection.BadTrailer;
                return false;
            }

            hasSignature = true;
            signature = datagram.Slice(start, length);
        }

        spdu = new RGooseSpdu
        {
            SessionIdentifier = span[2],
            SessionHeaderLength = span[3],
            CommonHeaderLength = span[5],
            SpduLength = BinaryPrimitives.ReadUInt32BigEndian(span[6..]),
            SpduNumber = BinaryPrimitives.ReadUInt32BigEndian(span[10..]),
            Version = BinaryPrimitives.ReadUInt16BigEndian(span[14..]),
            TimeOfCurrentKey = BinaryPrimitives.ReadUInt32BigEndian(span[16..]),
            TimeToNextKey = BinaryPrimitives.ReadInt16BigEndian(span[20..]),
            KeyId = BinaryPrimitives.ReadUInt32BigEndian(span[22..]),
            InitializationVector = datagram.Slice(FixedHeaderSize, ivLength),
            UserDataOffset = userDataOffset,
            UserData = datagram.Slice(userDataOffset, (int)payloadLength),
            Padding = padding,
            HasSignature = hasSignature,
            Signature = signature,
            SignedLength = signedLength,
        };
        return true;
    }

    /// <summary>The octets of an SPDU carrying one goosePdu of <paramref name="apduLength"/> octets.</summary>
    public static int GetEncodedSize(in RGooseSessionHeader header, int apduLength, int signatureLength = 0)
        => FixedHeaderSize + header.InitializationVector.Length + 4 + PayloadElementHeaderSize + apduLength
            + (signatureLength > 0 ? 2 + signatureLength : 0);

    /// <summary>
    /// Writes an SPDU carrying <paramref name="goosePdu"/> as its one payload element. With a
    /// <paramref name="signatureLength"/> above 0, a signature element of that many zero octets
    /// ends the SPDU for a security layer to fill (<see cref="RGooseLayout.SignatureOffset"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The goosePdu is not one BER element, a length does not fit its field, or the destination is too short.</exception>
    public static RGooseLayout Encode(in RGooseSessionHeader header, ushort appId, bool simulation, ReadOnlySpan<byte> goosePdu, Span<byte> destination, int signatureLength = 0)
    {
        var pdu = new BerReader(goosePdu);
        if (pdu.TryRead(out var element) != BerError.None || pdu.HasMore)
        {
            throw new ArgumentException("the goosePdu must be exactly one BER element", nameof(goosePdu));
        }

        if (goosePdu.Length + 2 > ushort.MaxValue)
        {
            throw new ArgumentException($"a goosePdu of {goosePdu.Length} octets does not fit the 16-bit APDU length", nameof(goosePdu));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(signatureLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(signatureLength, 127); // one short-form length octet
        var iv = header.InitializationVector.Span;
        if (iv.Length > byte.MaxValue)
        {
            throw new ArgumentException($"an IV of {iv.Length} octets does not fit its length octet", nameof(header));
        }

        var size = GetEncodedSize(header, goosePdu.Length, signatureLength);
        if (destination.Length < size)
        {
            throw new ArgumentException($"the SPDU needs {size} bytes, the destination has {destination.Length}", nameof(destination));
        }

        var payloadLength = PayloadElementHeaderSize + goosePdu.Length;
        destination[0] = CltpLengthIndicator;
        destination[1] = CltpUnitData;
        destination[2] = GooseSessionIdentifier;
        destination[3] = SessionHeaderLengthWritten;
        destination[4] = CommonHeaderIdentifier;
        destination[5] = CommonHeaderLengthWritten;
        BinaryPrimitives.WriteUInt32BigEndian(destination[6..], (uint)(SpduLengthBase + payloadLength));
        BinaryPrimitives.WriteUInt32BigEndian(destination[10..], header.SpduNumber);
        BinaryPrimitives.WriteUInt16BigEndian(destination[14..], header.Version);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], header.TimeOfCurrentKey);
        BinaryPrimitives.WriteInt16BigEndian(destination[20..], header.TimeToNextKey);
        BinaryPrimitives.WriteUInt32BigEndian(destination[22..], header.KeyId);
        destination[26] = (byte)iv.Length;
        iv.CopyTo(destination[FixedHeaderSize..]);
        var offset = FixedHeaderSize + iv.Length;
        BinaryPrimitives.WriteUInt32BigEndian(destination[offset..], (uint)payloadLength);
        offset += 4;
        var userDataOffset = offset;
        destination[offset] = GoosePayloadTag;
        destination[offset + 1] = simulation ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[(offset + 2)..], appId);
        BinaryPrimitives.WriteUInt16BigEndian(destination[(offset + 4)..], (ushort)(element.TotalLength + 2));
        goosePdu.CopyTo(destination[(offset + PayloadElementHeaderSize)..]);
        offset += payloadLength;
        var signatureOffset = -1;
        if (signatureLength > 0)
        {
            destination[offset] = SignatureTag;
            destination[offset + 1] = (byte)signatureLength;
            signatureOffset = offset + 2;
            destination.Slice(signatureOffset, signatureLength).Clear();
        }

        return new RGooseLayout(size, userDataOffset, payloadLength, signatureOffset, signatureLength);
    }

    /// <summary>Writes an SPDU (see <see cref="Encode(in RGooseSessionHeader, ushort, bool, ReadOnlySpan{byte}, Span{byte}, int)"/>) to <paramref name="writer"/>.</summary>
    public static RGooseLayout Encode(in RGooseSessionHeader header, ushort appId, bool simulation, ReadOnlySpan<byte> goosePdu, IBufferWriter<byte> writer, int signatureLength = 0)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var layout = Encode(header, appId, simulation, goosePdu, writer.GetSpan(GetEncodedSize(header, goosePdu.Length, signatureLength)), signatureLength);
        writer.Advance(layout.Length);
        return layout;
    }

    private static RGooseRejection CheckFixedHeader(ReadOnlySpan<byte> span)
    {
        if (span.Length >= 2 && (span[0] != CltpLengthIndicator || span[1] != CltpUnitData))
        {
            return RGooseRejection.NotCltpUnitData;
        }

        if (span.Length >= 3 && span[2] != GooseSessionIdentifier)
        {
            return RGooseRejection.NotGooseSession;
        }

        if (span.Length >= 5 && span[4] != CommonHeaderIdentifier)
        {
            return RGooseRejection.BadCommonHeader;
        }

        return span.Length < FixedHeaderSize ? RGooseRejection.Truncated : RGooseRejection.None;
    }

    private static bool TryReadTrailerElement(ReadOnlySpan<byte> span, ref int position, out int valueStart, out int valueLength)
    {
        valueStart = 0;
        valueLength = 0;
        if (BerLength.TryRead(span[(position + 1)..], out var length, out var lengthSize) != BerError.None
            || length > span.Length - position - 1 - lengthSize)
        {
            return false;
        }

        valueStart = position + 1 + lengthSize;
        valueLength = length;
        position = valueStart + length;
        return true;
    }
}
