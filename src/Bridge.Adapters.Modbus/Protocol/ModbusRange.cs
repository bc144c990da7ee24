using System.Globalization;

namespace Bridge.Adapters.Modbus.Protocol;

/// <summary>
/// A block of <see cref="Count"/> consecutive coils or registers from <see cref="Start"/>, as the
/// protocol addresses them (zero-based: "address 0" is the first, often documented as coil 1 or
/// register 40001). <see cref="Count"/> 0 means none.
/// </summary>
public readonly record struct ModbusRange(ushort Start, ushort Count)
{
    /// <summary>No coils or registers.</summary>
    public static readonly ModbusRange None;

    /// <summary>True when the range holds nothing.</summary>
    public bool IsEmpty => Count == 0;

    /// <summary>One past the last address (up to 65536, so an int).</summary>
    public int End => Start + Count;

    /// <summary>True when the whole range lies in the 65536 addresses of a table.</summary>
    public bool FitsAddressSpace => End <= ModbusLimits.AddressSpace;

    /// <summary>True when <paramref name="address"/> lies in the range.</summary>
    public bool Contains(int address) => address >= Start && address < End;

    /// <inheritdoc/>
    public override string ToString() => Count switch
    {
        0 => "none",
        1 => Start.ToString(CultureInfo.InvariantCulture),
        _ => string.Create(CultureInfo.InvariantCulture, $"{Start}..{End - 1}"),
    };
}
