using System.Buffers;
using System.Buffers.Binary;

namespace Bridge.Adapters.Modbus.Protocol;

/// <summary>
/// Encodes and decodes the PDUs (function code and data) of the nine supported function codes
/// and of exception responses: Modbus Application Protocol Specification V1.1b3, §6 and §7.
/// Pure: no I/O, no clock, no allocation when decoding (values are slices of the input).
/// </summary>
/// <remarks>
/// The encoders refuse (with <see cref="ArgumentException"/>) what the decoders would reject, so
/// a PDU this stack sends is one it would accept. A request is checked as the state diagrams of
/// §6 order it: function code (exception 01), length, quantity, byte count and values (03), then
/// whether start plus quantity stays inside the 65536 addresses (02). Whether an address is one
/// the server holds is for the request handler to decide (it answers 02 itself).
/// </remarks>
public static class ModbusPdu
{
    // Request PDUs, §6.1-6.6, 6.11, 6.12, 6.17; every field big-endian:
    //
    //  FC 1, 2, 3, 4 (read)              FC 5, 6 (write one)
    //  +------+---------+---------+      +------+---------+---------+
    //  |  FC  |  start  |  count  |      |  FC  | address |  value  |   FC 5: value 0xFF00 (on)
    //  |  1 B |   2 B   |   2 B   |      |  1 B |   2 B   |   2 B   |   or 0x0000 (off)
    //  +------+---------+---------+      +------+---------+---------+
    //  0      1         3         5      0      1         3         5
    //
    //  FC 15, 16 (write multiple)
    //  +------+---------+---------+-------+----------------------------------+
    //  |  FC  |  start  |  count  | bytes |  values: ceil(count / 8) bytes   |   FC 15: coils, first in bit 0
    //  |  1 B |   2 B   |   2 B   |  1 B  |  (15) or 2 x count bytes (16)    |   FC 16: registers, big-endian
    //  +------+---------+---------+-------+----------------------------------+
    //  0      1         3         5       6                           6 + bytes
    //
    //  FC 23 (read/write multiple registers; the write is done first, §6.17)
    //  +------+---------+---------+---------+---------+-------+--------------------------+
    //  |  FC  |  read   |  read   |  write  |  write  | bytes |  values: 2 x write count |
    //  |      |  start  |  count  |  start  |  count  |       |                          |
    //  |  1 B |   2 B   |   2 B   |   2 B   |   2 B   |  1 B  |                          |
    //  +------+---------+---------+---------+---------+-------+--------------------------+
    //  0      1         3         5         7         9       10                10 + bytes

    /// <summary>
    /// Decodes the request PDU <paramref name="pdu"/> (function code and data; its length comes
    /// from the MBAP header). On failure, <paramref name="request"/> still carries the function
    /// code (when there was one), which is all an exception response needs.
    /// </summary>
    public static bool TryDecodeRequest(ReadOnlyMemory<byte> pdu, out ModbusRequest request, out ModbusRequestError error)
    {
        var span = pdu.Span;
        if (span.Length < 1)
        {
            request = default;
            error = ModbusRequestError.WrongLength;
            return false;
        }

        var function = (ModbusFunctionCode)span[0];
        request = ModbusRequest.FunctionOnly(function);
        switch (function)
        {
            case ModbusFunctionCode.ReadCoils or ModbusFunctionCode.ReadDiscreteInputs
                or ModbusFunctionCode.ReadHoldingRegisters or ModbusFunctionCode.ReadInputRegisters:
            {
                if (span.Length != 5)
                {
                    error = ModbusRequestError.WrongLength;
                    return false;
                }

                var read = new ModbusRange(BinaryPrimitives.ReadUInt16BigEndian(span[1..]), BinaryPrimitives.ReadUInt16BigEndian(span[3..]));
                error = ModbusRequest.CheckBlocks(function, read, ModbusRange.None);
                if (error != ModbusRequestError.None)
                {
                    return false;
                }

                request = ModbusRequest.FromWire(function, read, ModbusRange.None, ReadOnlyMemory<byte>.Empty);
                return true;
            }

            case ModbusFunctionCode.WriteSingleCoil:
            {
                if (span.Length != 5)
                {
                    error = ModbusRequestError.WrongLength;
                    return false;
                }

                var value = BinaryPrimitives.ReadUInt16BigEndian(span[3..]);
                if (value is not (ModbusLimits.CoilOn or ModbusLimits.CoilOff))
                {
                    error = ModbusRequestError.InvalidCoilValue;
                    return false;
                }

                request = ModbusRequest.SingleCoilFromWire(BinaryPrimitives.ReadUInt16BigEndian(span[1..]), value == ModbusLimits.CoilOn);
                error = ModbusRequestError.None;
                return true;
            }

            case ModbusFunctionCode.WriteSingleRegister:
            {
                if (span.Length != 5)
                {
                    error = ModbusRequestError.WrongLength;
                    return false;
                }

                var write = new ModbusRange(BinaryPrimitives.ReadUInt16BigEndian(span[1..]), 1);
                request = ModbusRequest.FromWire(function, ModbusRange.None, write, pdu.Slice(3, 2));
                error = ModbusRequestError.None;
                return true;
            }

            case ModbusFunctionCode.WriteMultipleCoils or ModbusFunctionCode.WriteMultipleRegisters:
            {
                if (span.Length < 6)
                {
                    error = ModbusRequestError.WrongLength;
                    return false;
                }

                var write = new ModbusRange(BinaryPrimitives.ReadUInt16BigEndian(span[1..]), BinaryPrimitives.ReadUInt16BigEndian(span[3..]));
                var byteCount = span[5];
                var expected = function == ModbusFunctionCode.WriteMultipleCoils ? CoilValues.PackedLength(write.Count) : 2 * write.Count;
                return Finish(pdu, function, ModbusRange.None, write, byteCount, expected, dataOffset: 6, out request, out error);
            }

            case ModbusFunctionCode.ReadWriteMultipleRegisters:
            {
                if (span.Length < 10)
                {
                    error = ModbusRequestError.WrongLength;
                    return false;
                }

                var read = new ModbusRange(BinaryPrimitives.ReadUInt16BigEndian(span[1..]), BinaryPrimitives.ReadUInt16BigEndian(span[3..]));
                var write = new ModbusRange(BinaryPrimitives.ReadUInt16BigEndian(span[5..]), BinaryPrimitives.ReadUInt16BigEndian(span[7..]));
                return Finish(pdu, function, read, write, span[9], 2 * write.Count, dataOffset: 10, out request, out error);
            }

            default:
                error = ModbusRequestError.IllegalFunction;
                return false;
        }

        static bool Finish(
            ReadOnlyMemory<byte> pdu, ModbusFunctionCode function, ModbusRange read, ModbusRange write, int byteCount, int expected, int dataOffset,
            out ModbusRequest request, out ModbusRequestError error)
        {
            request = ModbusRequest.FunctionOnly(function);
            var blocks = ModbusRequest.CheckBlocks(function, read, write);
            if (blocks == ModbusRequestError.QuantityOutOfRange)
            {
                error = blocks;
                return false;
            }

            if (byteCount != expected)
            {
                error = ModbusRequestError.ByteCountMismatch;
                return false;
            }

            if (pdu.Length != dataOffset + byteCount)
            {
                error = ModbusRequestError.WrongLength;
                return false;
            }

            if (blocks != ModbusRequestError.None)
            {
                error = blocks;
                return false;
            }

            request = ModbusRequest.FromWire(function, read, write, pdu.Slice(dataOffset, byteCount));
            error = ModbusRequestError.None;
            return true;
        }
    }

    /// <summary>The encoded size of <paramref name="request"/>'s PDU.</summary>
    public static int GetRequestSize(in ModbusRequest request) => request.Function switch
    {
        ModbusFunctionCode.WriteMultipleCoils or ModbusFunctionCode.WriteMultipleRegisters => 6 + request.WriteData.Length,
        ModbusFunctionCode.ReadWriteMultipleRegisters => 10 + request.WriteData.Length,
        _ => 5,
    };

    /// <summary>Writes <paramref name="request"/>'s PDU to the start of <paramref name="destination"/>; returns its size.</summary>
    /// <exception cref="ArgumentException">
    /// The request is not one <see cref="TryDecodeRequest"/> accepts (a default value, or an
    /// unsupported function code), or <paramref name="destination"/> is too short.
    /// </exception>
    public static int EncodeRequest(in ModbusRequest request, Span<byte> destination)
    {
        ThrowIfInvalid(request);
        var size = GetRequestSize(request);
        if (destination.Length < size)
        {
            throw new ArgumentException($"the request needs {size} bytes, the destination has {destination.Length}", nameof(destination));
        }

        destination[0] = (byte)request.Function;
        switch (request.Function)
        {
            case ModbusFunctionCode.WriteSingleCoil:
                BinaryPrimitives.WriteUInt16BigEndian(destination[1..], request.Write.Start);
                BinaryPrimitives.WriteUInt16BigEndian(destination[3..], (request.WriteData.Span[0] & 1) != 0 ? ModbusLimits.CoilOn : ModbusLimits.CoilOff);
                break;
            case ModbusFunctionCode.WriteSingleRegister:
                BinaryPrimitives.WriteUInt16BigEndian(destination[1..], request.Write.Start);
                request.WriteData.Span.CopyTo(destination[3..]);
                break;
            case ModbusFunctionCode.WriteMultipleCoils or ModbusFunctionCode.WriteMultipleRegisters:
                BinaryPrimitives.WriteUInt16BigEndian(destination[1..], request.Write.Start);
                BinaryPrimitives.WriteUInt16BigEndian(destination[3..], request.Write.Count);
                destination[5] = (byte)request.WriteData.Length;
                request.WriteData.Span.CopyTo(destination[6..]);
                break;
            case ModbusFunctionCode.ReadWriteMultipleRegisters:
                BinaryPrimitives.WriteUInt16BigEndian(destination[1..], request.Read.Start);
                BinaryPrimitives.WriteUInt16BigEndian(destination[3..], request.Read.Count);
                BinaryPrimitives.WriteUInt16BigEndian(destination[5..], request.Write.Start);
                BinaryPrimitives.WriteUInt16BigEndian(destination[7..], request.Write.Count);
                destination[9] = (byte)request.WriteData.Length;
                request.WriteData.Span.CopyTo(destination[10..]);
                break;
            default:
                BinaryPrimitives.WriteUInt16BigEndian(destination[1..], request.Read.Start);
                BinaryPrimitives.WriteUInt16BigEndian(destination[3..], request.Read.Count);
                break;
        }

        return size;
    }

    /// <summary>Writes <paramref name="request"/>'s PDU to <paramref name="writer"/>; returns its size.</summary>
    public static int EncodeRequest(in ModbusRequest request, IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ThrowIfInvalid(request);
        var size = EncodeRequest(request, writer.GetSpan(GetRequestSize(request)));
        writer.Advance(size);
        return size;
    }

    // Response PDUs, §6 and §7; every field big-endian:
    //
    //  exception (§7)                    FC 1, 2, 3, 4, 23 (read)
    //  +-----------+------+              +------+-------+---------------------------------+
    //  | FC | 0x80 | code |              |  FC  | bytes |  values: ceil(count / 8) bytes  |   coils, first in bit 0,
    //  |    1 B    |  1 B |              |  1 B |  1 B  |  (1, 2) or 2 x count (3, 4, 23) |   or registers, big-endian
    //  +-----------+------+              +------+-------+---------------------------------+
    //  0           1      2              0      1       2                         2 + bytes
    //
    //  FC 5, 6 (echo of the request)     FC 15, 16
    //  +------+---------+---------+      +------+---------+---------+
    //  |  FC  | address |  value  |      |  FC  |  start  |  count  |
    //  |  1 B |   2 B   |   2 B   |      |  1 B |   2 B   |   2 B   |
    //  +------+---------+---------+      +------+---------+---------+
    //  0      1         3         5      0      1         3         5
    //
    // A read response carries a byte count, not the quantity: coils can only be told apart from
    // padding with the request at hand, so decoding takes the request it answers.

    /// <summary>
    /// Decodes <paramref name="pdu"/> as the answer to <paramref name="request"/>: a normal
    /// response of the same function code that fits it (<see cref="ModbusResponse.CheckAgainst"/>),
    /// or an exception response with a defined code.
    /// </summary>
    public static bool TryDecodeResponse(ReadOnlyMemory<byte> pdu, in ModbusRequest request, out ModbusResponse response, out ModbusResponseError error)
    {
        response = default;
        var span = pdu.Span;
        if (span.Length < 1)
        {
            error = ModbusResponseError.WrongLength;
            return false;
        }

        var function = request.Function;
        if (span[0] == ((byte)function | ModbusFunctionCodes.ExceptionFlag))
        {
            if (span.Length != 2)
            {
                error = ModbusResponseError.WrongLength;
                return false;
            }

            var code = (ModbusExceptionCode)span[1];
            if (!code.IsDefined())
            {
                error = ModbusResponseError.UnknownExceptionCode;
                return false;
            }

            response = ModbusResponse.FromWire(function, code, 0, ModbusRange.None, ReadOnlyMemory<byte>.Empty);
            error = ModbusResponseError.None;
            return true;
        }

        if (span[0] != (byte)function)
        {
            error = ModbusResponseError.FunctionMismatch;
            return false;
        }

        switch (function)
        {
            case ModbusFunctionCode.ReadCoils or ModbusFunctionCode.ReadDiscreteInputs
                or ModbusFunctionCode.ReadHoldingRegisters or ModbusFunctionCode.ReadInputRegisters
                or ModbusFunctionCode.ReadWriteMultipleRegisters:
            {
                if (span.Length < 2)
                {
                    error = ModbusResponseError.WrongLength;
                    return false;
                }

                var byteCount = span[1];
                var expected = function.IsBitAccess() ? CoilValues.PackedLength(request.Read.Count) : 2 * request.Read.Count;
                if (byteCount != expected)
                {
                    error = ModbusResponseError.ByteCountMismatch;
                    return false;
                }

                if (span.Length != 2 + byteCount)
                {
                    error = ModbusResponseError.WrongLength;
                    return false;
                }

                response = ModbusResponse.FromWire(function, ModbusExceptionCode.None, request.Read.Count, ModbusRange.None, pdu.Slice(2, byteCount));
                break;
            }

            case ModbusFunctionCode.WriteSingleCoil or ModbusFunctionCode.WriteSingleRegister
                or ModbusFunctionCode.WriteMultipleCoils or ModbusFunctionCode.WriteMultipleRegisters:
            {
                if (span.Length != 5)
                {
                    error = ModbusResponseError.WrongLength;
                    return false;
                }

                var first = BinaryPrimitives.ReadUInt16BigEndian(span[1..]);
                var second = BinaryPrimitives.ReadUInt16BigEndian(span[3..]);
                if (function == ModbusFunctionCode.WriteSingleCoil)
                {
                    if (second is not (ModbusLimits.CoilOn or ModbusLimits.CoilOff))
                    {
                        error = ModbusResponseError.InvalidCoilValue;
                        return false;
                    }

                    // The request's own packed byte is the same value: reuse it rather than allocate.
                    var on = second == ModbusLimits.CoilOn;
                    var requested = request.WriteData.Length == 1 && (request.WriteData.Span[0] & 1) == (on ? 1 : 0);
                    if (!requested)
                    {
                        error = ModbusResponseError.EchoMismatch;
                        return false;
                    }

                    response = ModbusResponse.FromWire(function, ModbusExceptionCode.None, 0, new(first, 1), request.WriteData);
                }
                else if (function == ModbusFunctionCode.WriteSingleRegister)
                {
                    response = ModbusResponse.FromWire(function, ModbusExceptionCode.None, 0, new(first, 1), pdu.Slice(3, 2));
                }
                else
                {
                    response = ModbusResponse.FromWire(function, ModbusExceptionCode.None, 0, new(first, second), ReadOnlyMemory<byte>.Empty);
                }

                break;
            }

            default:
                error = ModbusResponseError.FunctionMismatch;
                return false;
        }

        error = response.CheckAgainst(request);
        if (error != ModbusResponseError.None)
        {
            response = default;
            return false;
        }

        return true;
    }

    /// <summary>The encoded size of <paramref name="response"/>'s PDU.</summary>
    public static int GetResponseSize(in ModbusResponse response)
    {
        if (response.IsException)
        {
            return 2;
        }

        return response.Function switch
        {
            ModbusFunctionCode.ReadCoils or ModbusFunctionCode.ReadDiscreteInputs
                or ModbusFunctionCode.ReadHoldingRegisters or ModbusFunctionCode.ReadInputRegisters
                or ModbusFunctionCode.ReadWriteMultipleRegisters => 2 + response.Data.Length,
            _ => 5,
        };
    }

    /// <summary>Writes <paramref name="response"/>'s PDU to the start of <paramref name="destination"/>; returns its size.</summary>
    /// <exception cref="ArgumentException">The response is not one the decoder accepts, or the destination is too short.</exception>
    public static int EncodeResponse(in ModbusResponse response, Span<byte> destination)
    {
        ThrowIfInvalid(response);
        var size = GetResponseSize(response);
        if (destination.Length < size)
        {
            throw new ArgumentException($"the response needs {size} bytes, the destination has {destination.Length}", nameof(destination));
        }

        if (response.IsException)
        {
            destination[0] = (byte)((byte)response.Function | ModbusFunctionCodes.ExceptionFlag);
            destination[1] = (byte)response.ExceptionCode;
            return size;
        }

        destination[0] = (byte)response.Function;
        switch (response.Function)
        {
            case ModbusFunctionCode.WriteSingleCoil:
                BinaryPrimitives.WriteUInt16BigEndian(destination[1..], response.Write.Start);
                BinaryPrimitives.WriteUInt16BigEndian(destination[3..], (response.Data.Span[0] & 1) != 0 ? ModbusLimits.CoilOn : ModbusLimits.CoilOff);
                break;
            case ModbusFunctionCode.WriteSingleRegister:
                BinaryPrimitives.WriteUInt16BigEndian(destination[1..], response.Write.Start);
                response.Data.Span.CopyTo(destination[3..]);
                break;
            case ModbusFunctionCode.WriteMultipleCoils or ModbusFunctionCode.WriteMultipleRegisters:
                BinaryPrimitives.WriteUInt16BigEndian(destination[1..], response.Write.Start);
                BinaryPrimitives.WriteUInt16BigEndian(destination[3..], response.Write.Count);
                break;
            default:
                destination[1] = (byte)response.Data.Length;
                response.Data.Span.CopyTo(destination[2..]);
                break;
        }

        return size;
    }

    /// <summary>Writes <paramref name="response"/>'s PDU to <paramref name="writer"/>; returns its size.</summary>
    public static int EncodeResponse(in ModbusResponse response, IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ThrowIfInvalid(response);
        var size = EncodeResponse(response, writer.GetSpan(GetResponseSize(response)));
        writer.Advance(size);
        return size;
    }

    /// <summary>Why <paramref name="request"/> could not be encoded, or <see cref="ModbusRequestError.None"/>.</summary>
    public static ModbusRequestError Validate(in ModbusRequest request)
    {
        var error = ModbusRequest.CheckBlocks(request.Function, request.Read, request.Write);
        if (error != ModbusRequestError.None)
        {
            return error;
        }

        var expected = request.Function switch
        {
            ModbusFunctionCode.WriteSingleCoil => 1,
            ModbusFunctionCode.WriteSingleRegister => 2,
            ModbusFunctionCode.WriteMultipleCoils => CoilValues.PackedLength(request.Write.Count),
            ModbusFunctionCode.WriteMultipleRegisters or ModbusFunctionCode.ReadWriteMultipleRegisters => 2 * request.Write.Count,
            _ => 0,
        };
        return request.WriteData.Length == expected ? ModbusRequestError.None : ModbusRequestError.ByteCountMismatch;
    }

    /// <summary>Why <paramref name="response"/> could not be encoded, or <see cref="ModbusResponseError.None"/>.</summary>
    public static ModbusResponseError Validate(in ModbusResponse response)
    {
        if (response.IsException)
        {
            return response.ExceptionCode.IsDefined() ? ModbusResponseError.None : ModbusResponseError.UnknownExceptionCode;
        }

        return response.Function switch
        {
            ModbusFunctionCode.ReadCoils or ModbusFunctionCode.ReadDiscreteInputs
                => response.ReadCount is >= 1 and <= ModbusLimits.MaxReadBits && response.Data.Length == CoilValues.PackedLength(response.ReadCount)
                    ? ModbusResponseError.None
                    : ModbusResponseError.ByteCountMismatch,
            ModbusFunctionCode.ReadHoldingRegisters or ModbusFunctionCode.ReadInputRegisters or ModbusFunctionCode.ReadWriteMultipleRegisters
                => response.ReadCount is >= 1 and <= ModbusLimits.MaxReadRegisters && response.Data.Length == 2 * response.ReadCount
                    ? ModbusResponseError.None
                    : ModbusResponseError.ByteCountMismatch,
            ModbusFunctionCode.WriteSingleCoil => response.Write.Count == 1 && response.Data.Length == 1 ? ModbusResponseError.None : ModbusResponseError.EchoMismatch,
            ModbusFunctionCode.WriteSingleRegister => response.Write.Count == 1 && response.Data.Length == 2 ? ModbusResponseError.None : ModbusResponseError.EchoMismatch,
            ModbusFunctionCode.WriteMultipleCoils => response.Write.Count is >= 1 and <= ModbusLimits.MaxWriteBits ? ModbusResponseError.None : ModbusResponseError.EchoMismatch,
            ModbusFunctionCode.WriteMultipleRegisters => response.Write.Count is >= 1 and <= ModbusLimits.MaxWriteRegisters ? ModbusResponseError.None : ModbusResponseError.EchoMismatch,
            _ => ModbusResponseError.FunctionMismatch,
        };
    }

    private static void ThrowIfInvalid(in ModbusRequest request)
    {
        var error = Validate(request);
        if (error != ModbusRequestError.None)
        {
            throw new ArgumentException($"{request.Function} (FC {(byte)request.Function}) read {request.Read} write {request.Write}: {error.Describe()}", nameof(request));
        }
    }

    private static void ThrowIfInvalid(in ModbusResponse response)
    {
        var error = Validate(response);
        if (error != ModbusResponseError.None)
        {
            throw new ArgumentException($"{response.Function} (FC {(byte)response.Function}) response: {error.Describe()}", nameof(response));
        }
    }
}
