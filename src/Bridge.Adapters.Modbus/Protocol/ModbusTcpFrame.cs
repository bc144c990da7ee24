using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

namespace Bridge.Adapters.Modbus.Protocol;

/// <summary>The MBAP header of a Modbus TCP frame (Implementation Guide V1.0b, §3.1.3).</summary>
/// <param name="TransactionId">Pairs a response with its request; the server copies it back.</param>
/// <param name="ProtocolId">0 for Modbus; anything else is refused.</param>
/// <param name="Length">Bytes that follow the length field: the unit id and the PDU, 2 to 254.</param>
/// <param name="UnitId">The device behind a gateway; 0xFF (or 0) when the server is the device itself.</param>
public readonly record struct MbapHeader(ushort TransactionId, ushort ProtocolId, ushort Length, byte UnitId)
{
    /// <summary>The whole frame: the six bytes up to the length field and <see cref="Length"/> more.</summary>
    public int FrameLength => 6 + Length;

    /// <summary>The PDU after the header.</summary>
    public int PduLength => Length - 1;

    /// <inheritdoc/>
    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"transaction {TransactionId}, protocol {ProtocolId}, length {Length}, unit {UnitId}");
}

/// <summary>
/// Frames Modbus TCP ADUs (MBAP header and PDU) on a byte stream: finds where a frame ends, checks
/// its header, and writes whole frames. Pure: no I/O.
/// </summary>
public static class ModbusTcpFrame
{
    // MBAP header, Implementation Guide V1.0b §3.1.3; every field big-endian:
    //
    //  +----------------+----------------+----------------+---------+---------------------+
    //  | transaction id |  protocol id   |     length     | unit id |  PDU: length - 1 B  |
    //  |      2 B       |    2 B (0)     | 2 B (2 to 254) |   1 B   |  (1 to 253 bytes)   |
    //  +----------------+----------------+----------------+---------+---------------------+
    //  0                2                4                6         7             6 + length
    //
    // The length counts the unit id and the PDU. The whole frame is at most 260 bytes (§4.1 of the
    // application protocol: a PDU is at most 253 bytes). The protocol id and length are checked as
    // soon as their bytes are in, so a bad header is refused before anything after it is awaited.

    /// <summary>
    /// Reads the frame at the start of <paramref name="buffer"/>. True when a whole frame with a
    /// valid header is there (<paramref name="header"/>'s <see cref="MbapHeader.FrameLength"/>
    /// says how long); false with <see cref="ModbusFrameError.Incomplete"/> when more bytes are
    /// needed, or with the reason the stream is not Modbus TCP.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> buffer, out MbapHeader header, out ModbusFrameError error)
    {
        header = default;
        if (buffer.Length >= 4 && BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]) != ModbusLimits.ModbusProtocolId)
        {
            error = ModbusFrameError.ProtocolIdNotModbus;
            return false;
        }

        if (buffer.Length >= 6)
        {
            var length = BinaryPrimitives.ReadUInt16BigEndian(buffer[4..]);
            if (length < ModbusLimits.MinMbapLength)
            {
                error = ModbusFrameError.LengthTooSmall;
                return false;
            }

            if (length > ModbusLimits.MaxMbapLength)
            {
                error = ModbusFrameError.LengthTooLarge;
                return false;
            }
        }

        if (buffer.Length < ModbusLimits.MbapHeaderSize)
        {
            error = ModbusFrameError.Incomplete;
            return false;
        }

        header = new MbapHeader(
            BinaryPrimitives.ReadUInt16BigEndian(buffer),
            ModbusLimits.ModbusProtocolId,
            BinaryPrimitives.ReadUInt16BigEndian(buffer[4..]),
            buffer[6]);
        if (buffer.Length < header.FrameLength)
        {
            error = ModbusFrameError.Incomplete;
            return false;
        }

        error = ModbusFrameError.None;
        return true;
    }

    /// <summary>The size of the frame that carries <paramref name="request"/>.</summary>
    public static int GetRequestSize(in ModbusRequest request) => ModbusLimits.MbapHeaderSize + ModbusPdu.GetRequestSize(request);

    /// <summary>The size of the frame that carries <paramref name="response"/>.</summary>
    public static int GetResponseSize(in ModbusResponse response) => ModbusLimits.MbapHeaderSize + ModbusPdu.GetResponseSize(response);

    /// <summary>Writes a whole request frame to the start of <paramref name="destination"/>; returns its size.</summary>
    /// <exception cref="ArgumentException">The request would be refused by a decoder, or the destination is too short.</exception>
    public static int EncodeRequest(ushort transactionId, byte unitId, in ModbusRequest request, Span<byte> destination)
    {
        var pdu = ModbusPdu.EncodeRequest(request, destination.Length >= ModbusLimits.MbapHeaderSize ? destination[ModbusLimits.MbapHeaderSize..] : []);
        WriteHeader(destination, transactionId, unitId, pdu);
        return ModbusLimits.MbapHeaderSize + pdu;
    }

    /// <summary>Writes a whole request frame to <paramref name="writer"/>; returns its size.</summary>
    public static int EncodeRequest(ushort transactionId, byte unitId, in ModbusRequest request, IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var size = EncodeRequest(transactionId, unitId, request, writer.GetSpan(ModbusLimits.MaxAduSize));
        writer.Advance(size);
        return size;
    }

    /// <summary>Writes a whole response frame to the start of <paramref name="destination"/>; returns its size.</summary>
    /// <exception cref="ArgumentException">The response would be refused by a decoder, or the destination is too short.</exception>
    public static int EncodeResponse(ushort transactionId, byte unitId, in ModbusResponse response, Span<byte> destination)
    {
        var pdu = ModbusPdu.EncodeResponse(response, destination.Length >= ModbusLimits.MbapHeaderSize ? destination[ModbusLimits.MbapHeaderSize..] : []);
        WriteHeader(destination, transactionId, unitId, pdu);
        return ModbusLimits.MbapHeaderSize + pdu;
    }

    /// <summary>Writes a whole response frame to <paramref name="writer"/>; returns its size.</summary>
    public static int EncodeResponse(ushort transactionId, byte unitId, in ModbusResponse response, IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var size = EncodeResponse(transactionId, unitId, response, writer.GetSpan(ModbusLimits.MaxAduSize));
        writer.Advance(size);
        return size;
    }

    private static void WriteHeader(Span<byte> destination, ushort transactionId, byte unitId, int pduLength)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, transactionId);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], ModbusLimits.ModbusProtocolId);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], (ushort)(1 + pduLength));
        destination[6] = unitId;
    }
}
