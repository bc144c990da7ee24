using System.Buffers.Binary;
using Bridge.Adapters.Iec61850.Ber;

namespace Bridge.Adapters.Iec61850.RGoose;

/// <summary>
/// Reads the payload elements of a cleartext R-GOOSE user data (<see cref="RGooseSpdu.UserData"/>)
/// one after another, without allocating. Each element's goosePdu is sliced by its BER length;
/// decoding it is <see cref="Goose.GooseCodec"/>'s.
/// </summary>
public struct RGoosePayloadReader
{
    private readonly ReadOnlyMemory<byte> _userData;
    private int _position;

    /// <summary>A reader over <paramref name="userData"/>.</summary>
    public RGoosePayloadReader(ReadOnlyMemory<byte> userData)
    {
        _userData = userData;
        _position = 0;
    }

    /// <summary>
    /// Reads the next element. Returns false with <see cref="RGooseRejection.None"/> at the end of
    /// the user data, and false with the reason when the bytes there are no GOOSE payload element.
    /// </summary>
    public bool TryRead(out RGoosePayload payload, out RGooseRejection rejection)
    {
        payload = default;
        var span = _userData.Span;
        var remaining = span.Length - _position;
        if (remaining == 0)
        {
            rejection = RGooseRejection.None;
            return false;
        }

        if (remaining < RGooseCodec.PayloadElementHeaderSize)
        {
            rejection = RGooseRejection.PayloadElementTruncated;
            return false;
        }

        var element = span[_position..];
        if (element[0] != RGooseCodec.GoosePayloadTag)
        {
            rejection = RGooseRejection.NotGoosePayload;
            return false;
        }

        var apduLength = BinaryPrimitives.ReadUInt16BigEndian(element[4..]);
        var apduStart = _position + RGooseCodec.PayloadElementHeaderSize;
        var reader = new BerReader(span, apduStart, span.Length);
        if (reader.TryPeek(out var pdu) != BerError.None)
        {
            rejection = RGooseRejection.PayloadElementTruncated;
            return false;
        }

        if (apduLength != pdu.TotalLength && apduLength != pdu.TotalLength + 2)
        {
            rejection = RGooseRejection.ApduLengthMismatch;
            return false;
        }

        payload = new RGoosePayload(
            element[0],
            element[1] != 0,
            BinaryPrimitives.ReadUInt16BigEndian(element[2..]),
            apduLength,
            _userData.Slice(apduStart, pdu.TotalLength));
        _position = pdu.End;
        rejection = RGooseRejection.None;
        return true;
    }
}
