using System.Buffers.Binary;
using System.Globalization;

namespace Bridge.Adapters.Modbus.Protocol;

/// <summary>
/// One response PDU: an exception (<see cref="ExceptionCode"/> set), the values a read returns
/// (<see cref="ReadCount"/> of them in <see cref="Data"/>, wire form), or a write's echo
/// (<see cref="Write"/>, and for FC 5 and 6 the value in <see cref="Data"/>). A handler builds it
/// from the request it answers (<see cref="Coils"/>, <see cref="Registers"/>,
/// <see cref="Written"/>, <see cref="Exception(in ModbusRequest, ModbusExceptionCode)"/>), so it
/// fits that request; <see cref="CheckAgainst"/> says whether it does.
/// </summary>
public readonly struct ModbusResponse : IEquatable<ModbusResponse>
{
    private ModbusResponse(ModbusFunctionCode function, ModbusExceptionCode exceptionCode, ushort readCount, ModbusRange write, ReadOnlyMemory<byte> data)
    {
        Function = function;
        ExceptionCode = exceptionCode;
        ReadCount = readCount;
        Write = write;
        Data = data;
    }

    /// <summary>The function code answered (without the exception flag 0x80).</summary>
    public ModbusFunctionCode Function { get; }

    /// <summary>The exception code; <see cref="ModbusExceptionCode.None"/> for a normal response.</summary>
    public ModbusExceptionCode ExceptionCode { get; }

    /// <summary>True for an exception response.</summary>
    public bool IsException => ExceptionCode != ModbusExceptionCode.None;

    /// <summary>How many coils or registers a read returned (FC 1 to 4 and 23).</summary>
    public ushort ReadCount { get; }

    /// <summary>The block a write reports written (FC 5, 6, 15, 16).</summary>
    public ModbusRange Write { get; }

    /// <summary>Values in wire form: coils packed eight to a byte, registers big-endian; FC 5: one byte, 1 for on.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>The coils or discrete inputs read (FC 1, 2), or the coil written (FC 5).</summary>
    public CoilValues Bits => Function switch
    {
        ModbusFunctionCode.ReadCoils or ModbusFunctionCode.ReadDiscreteInputs when !IsException => new CoilValues(Data, ReadCount),
        ModbusFunctionCode.WriteSingleCoil when !IsException => new CoilValues(Data, 1),
        _ => throw new InvalidOperationException($"{this} carries no coil values"),
    };

    /// <summary>The registers read (FC 3, 4, 23), or the register written (FC 6).</summary>
    public RegisterValues Words => Function switch
    {
        ModbusFunctionCode.ReadHoldingRegisters or ModbusFunctionCode.ReadInputRegisters
            or ModbusFunctionCode.ReadWriteMultipleRegisters or ModbusFunctionCode.WriteSingleRegister when !IsException => new RegisterValues(Data),
        _ => throw new InvalidOperationException($"{this} carries no register values"),
    };

    /// <summary>The answer to a read of coils or discrete inputs: <paramref name="values"/>, one per coil requested.</summary>
    public static ModbusResponse Coils(in ModbusRequest request, ReadOnlySpan<bool> values)
    {
        if (request.Function is not (ModbusFunctionCode.ReadCoils or ModbusFunctionCode.ReadDiscreteInputs))
        {
            throw new ArgumentException($"{request.Function} does not read coils", nameof(request));
        }

        if (values.Length != request.Read.Count)
        {
            throw new ArgumentException($"the request reads {request.Read.Count} values, {values.Length} were given", nameof(values));
        }

        return new(request.Function, ModbusExceptionCode.None, request.Read.Count, ModbusRange.None, CoilValues.Pack(values));
    }

    /// <summary>The answer to a read of registers (FC 3, 4, 23): <paramref name="values"/>, one per register requested.</summary>
    public static ModbusResponse Registers(in ModbusRequest request, ReadOnlySpan<ushort> values)
    {
        if (request.Function is not (ModbusFunctionCode.ReadHoldingRegisters or ModbusFunctionCode.ReadInputRegisters or ModbusFunctionCode.ReadWriteMultipleRegisters))
        {
            throw new ArgumentException($"{request.Function} does not read registers", nameof(request));
        }

        if (values.Length != request.Read.Count)
        {
            throw new ArgumentException($"the request reads {request.Read.Count} values, {values.Length} were given", nameof(values));
        }

        return new(request.Function, ModbusExceptionCode.None, request.Read.Count, ModbusRange.None, RegisterValues.Pack(values));
    }

    /// <summary>The answer to a write (FC 5, 6, 15, 16): the echo §6 prescribes.</summary>
    public static ModbusResponse Written(in ModbusRequest request) => request.Function switch
    {
        ModbusFunctionCode.WriteSingleCoil or ModbusFunctionCode.WriteSingleRegister
            => new(request.Function, ModbusExceptionCode.None, 0, request.Write, request.WriteData),
        ModbusFunctionCode.WriteMultipleCoils or ModbusFunctionCode.WriteMultipleRegisters
            => new(request.Function, ModbusExceptionCode.None, 0, request.Write, ReadOnlyMemory<byte>.Empty),
        _ => throw new ArgumentException($"{request.Function} is not a write that is answered by an echo", nameof(request)),
    };

    /// <summary>An exception response to <paramref name="request"/>.</summary>
    public static ModbusResponse Exception(in ModbusRequest request, ModbusExceptionCode code) => Exception(request.Function, code);

    /// <summary>An exception response to a request with function code <paramref name="function"/> (any byte, even an unsupported one).</summary>
    public static ModbusResponse Exception(ModbusFunctionCode function, ModbusExceptionCode code)
    {
        if (!code.IsDefined())
        {
            throw new ArgumentOutOfRangeException(nameof(code), code, "not an exception code of the specification (§7)");
        }

        return new(function, code, 0, ModbusRange.None, ReadOnlyMemory<byte>.Empty);
    }

    /// <summary>Made by the decoder from checked fields.</summary>
    internal static ModbusResponse FromWire(ModbusFunctionCode function, ModbusExceptionCode code, ushort readCount, ModbusRange write, ReadOnlyMemory<byte> data)
        => new(function, code, readCount, write, data);

    /// <summary>The same response with <see cref="Data"/> copied into an array of its own.</summary>
    public ModbusResponse WithOwnData() => Data.IsEmpty ? this : new(Function, ExceptionCode, ReadCount, Write, Data.ToArray());

    /// <summary>
    /// Whether this response answers <paramref name="request"/>: the function code, the number of
    /// values and the write echo must fit. An exception response fits any request of its function.
    /// </summary>
    public ModbusResponseError CheckAgainst(in ModbusRequest request)
    {
        if (Function != request.Function)
        {
            return ModbusResponseError.FunctionMismatch;
        }

        if (IsException)
        {
            return ExceptionCode.IsDefined() ? ModbusResponseError.None : ModbusResponseError.UnknownExceptionCode;
        }

        switch (Function)
        {
            case ModbusFunctionCode.ReadCoils or ModbusFunctionCode.ReadDiscreteInputs:
                return ReadCount == request.Read.Count && Data.Length == CoilValues.PackedLength(ReadCount)
                    ? ModbusResponseError.None
                    : ModbusResponseError.ByteCountMismatch;
            case ModbusFunctionCode.ReadHoldingRegisters or ModbusFunctionCode.ReadInputRegisters or ModbusFunctionCode.ReadWriteMultipleRegisters:
                return ReadCount == request.Read.Count && Data.Length == 2 * ReadCount
                    ? ModbusResponseError.None
                    : ModbusResponseError.ByteCountMismatch;
            case ModbusFunctionCode.WriteSingleCoil:
                return Write == request.Write && Data.Length == 1 && request.WriteData.Length == 1 && ((Data.Span[0] ^ request.WriteData.Span[0]) & 1) == 0
                    ? ModbusResponseError.None
                    : ModbusResponseError.EchoMismatch;
            case ModbusFunctionCode.WriteSingleRegister:
                return Write == request.Write && Data.Span.SequenceEqual(request.WriteData.Span)
                    ? ModbusResponseError.None
                    : ModbusResponseError.EchoMismatch;
            case ModbusFunctionCode.WriteMultipleCoils or ModbusFunctionCode.WriteMultipleRegisters:
                return Write == request.Write ? ModbusResponseError.None : ModbusResponseError.EchoMismatch;
            default:
                return ModbusResponseError.FunctionMismatch;
        }
    }

    /// <inheritdoc/>
    public bool Equals(ModbusResponse other)
    {
        if (Function != other.Function || ExceptionCode != other.ExceptionCode || ReadCount != other.ReadCount || Write != other.Write)
        {
            return false;
        }

        // Coils compare by value: padding bits of the last byte are not part of the answer.
        return !IsException && Function is ModbusFunctionCode.ReadCoils or ModbusFunctionCode.ReadDiscreteInputs or ModbusFunctionCode.WriteSingleCoil
            ? Bits.Equals(other.Bits)
            : Data.Span.SequenceEqual(other.Data.Span);
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ModbusResponse other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Function, ExceptionCode, ReadCount, Write);

    /// <inheritdoc/>
    public override string ToString()
    {
        var head = string.Create(CultureInfo.InvariantCulture, $"{Function} (FC {(byte)Function})");
        if (IsException)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{head} exception {(byte)ExceptionCode:X2} ({ExceptionCode})");
        }

        return Function switch
        {
            ModbusFunctionCode.ReadCoils or ModbusFunctionCode.ReadDiscreteInputs => $"{head} = {Bits}",
            ModbusFunctionCode.ReadHoldingRegisters or ModbusFunctionCode.ReadInputRegisters or ModbusFunctionCode.ReadWriteMultipleRegisters => $"{head} = {Words}",
            ModbusFunctionCode.WriteSingleCoil => $"{head} wrote {Write} = {Bits}",
            ModbusFunctionCode.WriteSingleRegister => $"{head} wrote {Write} = {BinaryPrimitives.ReadUInt16BigEndian(Data.Span)}",
            _ => $"{head} wrote {Write}",
        };
    }

    public static bool operator ==(ModbusResponse left, ModbusResponse right) => left.Equals(right);

    public static bool operator !=(ModbusResponse left, ModbusResponse right) => !left.Equals(right);
}
