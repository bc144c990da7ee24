using System.Globalization;

namespace Bridge.Adapters.Iec61850.Goose;

/// <summary>A 48-bit Ethernet address, held in the low 48 bits of a number (first octet highest).</summary>
/// <param name="Value">The address; bits above 47 must be zero.</param>
public readonly record struct MacAddress(ulong Value)
{
    /// <summary>The encoded size.</summary>
    public const int Size = 6;

    /// <summary>The first address of the GOOSE multicast range (IEC 61850-8-1 Annex C), 01-0C-CD-01-00-00.</summary>
    public static readonly MacAddress GooseRangeStart = new(0x01_0C_CD_01_00_00);

    /// <summary>True for a group (multicast or broadcast) address: the I/G bit of the first octet.</summary>
    public bool IsGroup => (Value & 0x01_00_00_00_00_00) != 0;

    /// <summary>True for 01-0C-CD-01-xx-xx, the block IEC 61850-8-1 assigns to GOOSE.</summary>
    public bool IsGooseMulticast => (Value >> 16) == 0x01_0C_CD_01;

    /// <summary>The GOOSE multicast address with <paramref name="suffix"/> as its last two octets.</summary>
    public static MacAddress Goose(ushort suffix) => new(GooseRangeStart.Value | suffix);

    /// <summary>Parses six hex octets separated by '-' or ':'.</summary>
    public static MacAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('-', ':');
        if (parts.Length != Size)
        {
            throw new FormatException($"'{text}' is not an Ethernet address (six hex octets separated by '-' or ':')");
        }

        ulong value = 0;
        foreach (var part in parts)
        {
            if (part.Length != 2 || !byte.TryParse(part, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var octet))
            {
                throw new FormatException($"'{text}' is not an Ethernet address: '{part}' is no hex octet");
            }

            value = (value << 8) | octet;
        }

        return new MacAddress(value);
    }

    /// <summary>Reads six octets.</summary>
    public static MacAddress Read(ReadOnlySpan<byte> octets)
    {
        ulong value = 0;
        for (var i = 0; i < Size; i++)
        {
            value = (value << 8) | octets[i];
        }

        return new MacAddress(value);
    }

    /// <summary>Writes the six octets.</summary>
    public void Write(Span<byte> destination)
    {
        if (Value >> 48 != 0)
        {
            throw new InvalidOperationException($"0x{Value:x} is wider than 48 bits");
        }

        for (var i = 0; i < Size; i++)
        {
            destination[i] = (byte)(Value >> (8 * (Size - 1 - i)));
        }
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        Span<byte> octets = stackalloc byte[Size];
        Write(octets);
        return Convert.ToHexString(octets) is var hex
            ? string.Join('-', Enumerable.Range(0, Size).Select(i => hex.Substring(2 * i, 2)))
            : string.Empty;
    }
}
