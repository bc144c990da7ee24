using System.Globalization;

namespace Bridge.Adapters.Modbus.Adapter;

/// <summary>How one value sits in registers: its type, the order of its 16-bit words, and its scale.</summary>
public enum ModbusValueType
{
    /// <summary>Unsigned 16-bit, one register.</summary>
    U16,

    /// <summary>Signed 16-bit (two's complement), one register.</summary>
    S16,

    /// <summary>Unsigned 32-bit over two registers.</summary>
    U32,

    /// <summary>Signed 32-bit over two registers.</summary>
    S32,

    /// <summary>IEEE 754 single over two registers.</summary>
    F32,
}

/// <summary>
/// The encoding of a rule's register values: engineering value = raw value × <see cref="Scale"/>.
/// Two-register types put the high word first (<see cref="BigEndianWords"/>) or last.
/// </summary>
/// <param name="Type">The raw type.</param>
/// <param name="BigEndianWords">High word in the lower register (<c>order: big</c>), else in the higher one.</param>
/// <param name="Scale">The factor from raw to engineering units; not zero.</param>
public sealed record ModbusValueEncoding(ModbusValueType Type, bool BigEndianWords = true, double Scale = 1)
{
    /// <summary>Registers per value.</summary>
    public int Width => Type is ModbusValueType.U16 or ModbusValueType.S16 ? 1 : 2;

    /// <summary>Decodes <paramref name="registers"/> (a whole number of values) into engineering values.</summary>
    public double[] Decode(ReadOnlySpan<ushort> registers)
    {
        if (registers.Length % Width != 0)
        {
            throw new ArgumentException($"{registers.Length} registers are not a whole number of {Width}-register values", nameof(registers));
        }

        var values = new double[registers.Length / Width];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Raw(registers.Slice(i * Width, Width)) * Scale;
        }

        return values;
    }

    /// <summary>Encodes engineering <paramref name="values"/> into registers; false with the reason when one does not fit the type.</summary>
    public bool TryEncode(IReadOnlyList<double> values, out ushort[] registers, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(values);
        registers = new ushort[values.Count * Width];
        reason = null;
        for (var i = 0; i < values.Count; i++)
        {
            var raw = values[i] / Scale;
            if (!TryWrite(raw, registers.AsSpan(i * Width, Width)))
            {
                reason = $"value {values[i].ToString(CultureInfo.InvariantCulture)} does not fit {Type.ToString().ToLowerInvariant()} with scale {Scale.ToString(CultureInfo.InvariantCulture)}";
                return false;
            }
        }

        return true;
    }

    private double Raw(ReadOnlySpan<ushort> words)
    {
        if (Width == 1)
        {
            return Type == ModbusValueType.S16 ? (short)words[0] : words[0];
        }

        var bits = BigEndianWords ? ((uint)words[0] << 16) | words[1] : ((uint)words[1] << 16) | words[0];
        // Each arm is a double of its own: a switch of uint, int and float arms would be typed float
        // and round 32-bit integers above 2^24 to a float's 24 bits.
        return Type switch
        {
            ModbusValueType.U32 => (double)bits,
            ModbusValueType.S32 => (double)(int)bits,
            _ => (double)BitConverter.UInt32BitsToSingle(bits),
        };
    }

    private bool TryWrite(double raw, Span<ushort> words)
    {
        uint bits;
        switch (Type)
        {
            case ModbusValueType.F32:
                if (!double.IsFinite(raw) || Math.Abs(raw) > float.MaxValue)
                {
                    return false;
                }

                bits = BitConverter.SingleToUInt32Bits((float)raw);
                break;
            default:
                // Integers round to the nearest raw step: 23.45 with scale 0.1 is 234 or 235, never an error.
                var rounded = Math.Round(raw, MidpointRounding.AwayFromZero);
                (double min, double max) = Type switch
                {
                    ModbusValueType.U16 => (0d, (double)ushort.MaxValue),
                    ModbusValueType.S16 => ((double)short.MinValue, (double)short.MaxValue),
                    ModbusValueType.U32 => (0d, (double)uint.MaxValue),
                    _ => ((double)int.MinValue, (double)int.MaxValue),
                };
                if (!double.IsFinite(rounded) || rounded < min || rounded > max)
                {
                    return false;
                }

                bits = rounded < 0 ? unchecked((uint)(int)rounded) : (uint)rounded;
                break;
        }

        if (Width == 1)
        {
            words[0] = (ushort)bits;
        }
        else
        {
            var (high, low) = ((ushort)(bits >> 16), (ushort)bits);
            (words[0], words[1]) = BigEndianWords ? (high, low) : (low, high);
        }

        return true;
    }
}
