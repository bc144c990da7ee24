using System.Buffers.Binary;
using System.Globalization;

namespace Bridge.Adapters.Modbus.Protocol;

/// <summary>
/// One request PDU of the nine supported function codes, in a form that does not depend on the
/// function: the block it reads (<see cref="Read"/>), the block it writes (<see cref="Write"/>)
/// and the values it writes (<see cref="WriteData"/>, in wire form). Made by the factory methods,
/// which refuse what the specification forbids, or by <see cref="ModbusPdu.TryDecodeRequest"/>.
/// </summary>
/// <remarks>
/// <para>Per function code:</para>
/// <list type="table">
/// <listheader><term>function</term><description>Read / Write / WriteData</description></listheader>
/// <item><term>1, 2, 3, 4</term><description>the block read / none / empty</description></item>
/// <item><term>5</term><description>none / the coil / one byte, 1 for on (0xFF00) and 0 for off</description></item>
/// <item><term>6</term><description>none / the register / its two bytes, big-endian</description></item>
/// <item><term>15</term><description>none / the coils / the values packed eight to a byte</description></item>
/// <item><term>16</term><description>none / the registers / two bytes each, big-endian</description></item>
/// <item><term>23</term><description>the block read / the block written (written first, §6.17) / two bytes a register</description></item>
/// </list>
/// <para>
/// A decoded request's <see cref="WriteData"/> is a slice of the decoder's input, so it is only
/// valid as long as that buffer is; the server hands its handler a copy of its own.
/// </para>
/// </remarks>
public readonly struct ModbusRequest : IEquatable<ModbusRequest>
{
    private static readonly byte[] CoilOnPacked = [1];
    private static readonly byte[] CoilOffPacked = [0];

    private ModbusRequest(ModbusFunctionCode function, ModbusRange read, ModbusRange write, ReadOnlyMemory<byte> writeData)
    {
        Function = function;
        Read = read;
        Write = write;
        WriteData = writeData;
    }

    /// <summary>The function code.</summary>
    public ModbusFunctionCode Function { get; }

    /// <summary>The block read (function codes 1 to 4 and 23); empty otherwise.</summary>
    public ModbusRange Read { get; }

    /// <summary>The block written (function codes 5, 6, 15, 16 and 23); empty otherwise.</summary>
    public ModbusRange Write { get; }

    /// <summary>The values written, in wire form: coils packed eight to a byte, registers big-endian.</summary>
    public ReadOnlyMemory<byte> WriteData { get; }

    /// <summary>The table the request works on.</summary>
    public ModbusTable Table => Function.Table();

    /// <summary>The coils written by function code 5 or 15.</summary>
    public CoilValues WrittenCoils => Function.IsBitAccess() ? new CoilValues(WriteData, Write.Count) : throw NotOfKind("coil write");

    /// <summary>The registers written by function code 6, 16 or 23.</summary>
    public RegisterValues WrittenRegisters => Function is ModbusFunctionCode.WriteSingleRegister or ModbusFunctionCode.WriteMultipleRegisters or ModbusFunctionCode.ReadWriteMultipleRegisters
        ? new RegisterValues(WriteData)
        : throw NotOfKind("register write");

    /// <summary>Function code 1: read <paramref name="count"/> (1 to 2000) coils from <paramref name="start"/>.</summary>
    public static ModbusRequest ReadCoils(ushort start, ushort count) => ReadBlock(ModbusFunctionCode.ReadCoils, start, count);

    /// <summary>Function code 2: read <paramref name="count"/> (1 to 2000) discrete inputs from <paramref name="start"/>.</summary>
    public static ModbusRequest ReadDiscreteInputs(ushort start, ushort count) => ReadBlock(ModbusFunctionCode.ReadDiscreteInputs, start, count);

    /// <summary>Function code 3: read <paramref name="count"/> (1 to 125) holding registers from <paramref name="start"/>.</summary>
    public static ModbusRequest ReadHoldingRegisters(ushort start, ushort count) => ReadBlock(ModbusFunctionCode.ReadHoldingRegisters, start, count);

    /// <summary>Function code 4: read <paramref name="count"/> (1 to 125) input registers from <paramref name="start"/>.</summary>
    public static ModbusRequest ReadInputRegisters(ushort start, ushort count) => ReadBlock(ModbusFunctionCode.ReadInputRegisters, start, count);

    /// <summary>Function code 5: switch the coil at <paramref name="address"/> on or off.</summary>
    public static ModbusRequest WriteSingleCoil(ushort address, bool value)
        => new(ModbusFunctionCode.WriteSingleCoil, ModbusRange.None, new(address, 1), value ? CoilOnPacked : CoilOffPacked);

    /// <summary>Function code 6: write <paramref name="value"/> to the holding register at <paramref name="address"/>.</summary>
    public static ModbusRequest WriteSingleRegister(ushort address, ushort value)
        => new(ModbusFunctionCode.WriteSingleRegister, ModbusRange.None, new(address, 1), RegisterValues.Pack([value]));

    /// <summary>Function code 15: write <paramref name="values"/> (1 to 1968) to the coils from <paramref name="start"/>.</summary>
    public static ModbusRequest WriteMultipleCoils(ushort start, ReadOnlySpan<bool> values)
    {
        var write = new ModbusRange(start, Quantity(values.Length));
        ThrowIfInvalid(ModbusFunctionCode.WriteMultipleCoils, ModbusRange.None, write, nameof(values));
        return new(ModbusFunctionCode.WriteMultipleCoils, ModbusRange.None, write, CoilValues.Pack(values));
    }

    /// <summary>Function code 16: write <paramref name="values"/> (1 to 123) to the holding registers from <paramref name="start"/>.</summary>
    public static ModbusRequest WriteMultipleRegisters(ushort start, ReadOnlySpan<ushort> values)
    {
        var write = new ModbusRange(start, Quantity(values.Length));
        ThrowIfInvalid(ModbusFunctionCode.WriteMultipleRegisters, ModbusRange.None, write, nameof(values));
        return new(ModbusFunctionCode.WriteMultipleRegisters, ModbusRange.None, write, RegisterValues.Pack(values));
    }

    /// <summary>
    /// Function code 23: write <paramref name="values"/> (1 to 121) to the holding registers from
    /// <paramref name="writeStart"/>, then read <paramref name="readCount"/> (1 to 125) from <paramref name="readStart"/>.
    /// </summary>
    public static ModbusRequest ReadWriteMultipleRegisters(ushort readStart, ushort readCount, ushort writeStart, ReadOnlySpan<ushort> values)
    {
        var read = new ModbusRange(readStart, readCount);
        var write = new ModbusRange(writeStart, Quantity(values.Length));
        ThrowIfInvalid(ModbusFunctionCode.ReadWriteMultipleRegisters, read, write, nameof(values));
        return new(ModbusFunctionCode.ReadWriteMultipleRegisters, read, write, RegisterValues.Pack(values));
    }

    /// <summary>
    /// Checks quantities and address ranges as §6 orders them for a server: quantities first
    /// (exception 03), then whether start plus quantity stays within the 65536 addresses (02).
    /// </summary>
    public static ModbusRequestError CheckBlocks(ModbusFunctionCode function, ModbusRange read, ModbusRange write)
    {
        var (maxRead, maxWrite) = function switch
        {
            ModbusFunctionCode.ReadCoils or ModbusFunctionCode.ReadDiscreteInputs => (ModbusLimits.MaxReadBits, 0),
            ModbusFunctionCode.ReadHoldingRegisters or ModbusFunctionCode.ReadInputRegisters => (ModbusLimits.MaxReadRegisters, 0),
            ModbusFunctionCode.WriteSingleCoil or ModbusFunctionCode.WriteSingleRegister => (0, 1),
            ModbusFunctionCode.WriteMultipleCoils => (0, ModbusLimits.MaxWriteBits),
            ModbusFunctionCode.WriteMultipleRegisters => (0, ModbusLimits.MaxWriteRegisters),
            ModbusFunctionCode.ReadWriteMultipleRegisters => (ModbusLimits.MaxReadRegisters, ModbusLimits.MaxReadWriteWriteRegisters),
            _ => (-1, -1),
        };
        if (maxRead < 0)
        {
            return ModbusRequestError.IllegalFunction;
        }

        if ((maxRead == 0) != (read.Count == 0) || read.Count > maxRead)
        {
            return maxRead == 0 ? ModbusRequestError.InvalidRequest : ModbusRequestError.QuantityOutOfRange;
        }

        if ((maxWrite == 0) != (write.Count == 0) || write.Count > maxWrite)
        {
            return maxWrite == 0 ? ModbusRequestError.InvalidRequest : ModbusRequestError.QuantityOutOfRange;
        }

        return read.FitsAddressSpace && write.FitsAddressSpace ? ModbusRequestError.None : ModbusRequestError.AddressOutOfRange;
    }

    /// <summary>Made by the decoder from checked fields.</summary>
    internal static ModbusRequest FromWire(ModbusFunctionCode function, ModbusRange read, ModbusRange write, ReadOnlyMemory<byte> writeData)
        => new(function, read, write, writeData);

    /// <summary>Made by the decoder for function code 5 from its checked wire value.</summary>
    internal static ModbusRequest SingleCoilFromWire(ushort address, bool on)
        => new(ModbusFunctionCode.WriteSingleCoil, ModbusRange.None, new(address, 1), on ? CoilOnPacked : CoilOffPacked);

    /// <summary>Only the function code, for a request that failed to decode: what an exception answer needs.</summary>
    internal static ModbusRequest FunctionOnly(ModbusFunctionCode function) => new(function, ModbusRange.None, ModbusRange.None, ReadOnlyMemory<byte>.Empty);

    /// <summary>The same request with <see cref="WriteData"/> copied into an array of its own.</summary>
    public ModbusRequest WithOwnData() => WriteData.IsEmpty || Function == ModbusFunctionCode.WriteSingleCoil
        ? this
        : new(Function, Read, Write, WriteData.ToArray());

    /// <summary>The value an FC 6 request writes, or the first register of any register write.</summary>
    internal ushort FirstWrittenRegister => BinaryPrimitives.ReadUInt16BigEndian(WriteData.Span);

    /// <inheritdoc/>
    public bool Equals(ModbusRequest other)
        => Function == other.Function && Read == other.Read && Write == other.Write
            && (Function.IsBitAccess() && !Write.IsEmpty
                ? WrittenCoils.Equals(other.WrittenCoils)
                : WriteData.Span.SequenceEqual(other.WriteData.Span));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ModbusRequest other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Function, Read, Write, WriteData.Length);

    /// <inheritdoc/>
    public override string ToString()
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{Function} (FC {(byte)Function})");
        if (!Read.IsEmpty)
        {
            text += $" read {Read}";
        }

        if (!Write.IsEmpty)
        {
            text += Function.IsBitAccess() ? $" write {Write} = {WrittenCoils}" : $" write {Write} = {WrittenRegisters}";
        }

        return text;
    }

    public static bool operator ==(ModbusRequest left, ModbusRequest right) => left.Equals(right);

    public static bool operator !=(ModbusRequest left, ModbusRequest right) => !left.Equals(right);

    private static ModbusRequest ReadBlock(ModbusFunctionCode function, ushort start, ushort count)
    {
        var read = new ModbusRange(start, count);
        ThrowIfInvalid(function, read, ModbusRange.None, nameof(count));
        return new(function, read, ModbusRange.None, ReadOnlyMemory<byte>.Empty);
    }

    private static ushort Quantity(int length)
        => length <= ushort.MaxValue ? (ushort)length : throw new ArgumentOutOfRangeException(nameof(length), length, "more values than any Modbus request carries");

    private static void ThrowIfInvalid(ModbusFunctionCode function, ModbusRange read, ModbusRange write, string parameter)
    {
        var error = CheckBlocks(function, read, write);
        if (error != ModbusRequestError.None)
        {
            throw new ArgumentOutOfRangeException(parameter, $"{function}: read {read}, write {write}: {error.Describe()}");
        }
    }

    private InvalidOperationException NotOfKind(string kind) => new($"{Function} is not a {kind}");
}
