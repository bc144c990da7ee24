using System.Globalization;

namespace Bridge.Adapters.Iec61850.Mms.Asn1;

/// <summary>An ASN.1 OBJECT IDENTIFIER, kept as its dotted arcs (<c>1.0.9506.2.1</c>).</summary>
public sealed class ObjectIdentifier : IEquatable<ObjectIdentifier>
{
    private readonly ulong[] _arcs;

    /// <summary>An identifier of <paramref name="arcs"/> (at least two; the first 0, 1 or 2).</summary>
    public ObjectIdentifier(params ulong[] arcs)
    {
        ArgumentNullException.ThrowIfNull(arcs);
        if (arcs.Length < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] >= 40) || (arcs[0] == 2 && arcs[1] > ulong.MaxValue - 80))
        {
            throw new ArgumentException("an object identifier has at least two arcs, the first 0, 1 or 2 and the second below 40 unless the first is 2", nameof(arcs));
        }

        _arcs = (ulong[])arcs.Clone();
        Value = string.Join('.', _arcs.Select(a => a.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>ISO 8650 ACSE abstract syntax, <c>2.2.1.0.1</c>.</summary>
    public static ObjectIdentifier AcseAbstractSyntax { get; } = new(2, 2, 1, 0, 1);

    /// <summary>ISO 9506-2 MMS abstract syntax, <c>1.0.9506.2.1</c>.</summary>
    public static ObjectIdentifier MmsAbstractSyntax { get; } = new(1, 0, 9506, 2, 1);

    /// <summary>ASN.1 Basic Encoding Rules, the only transfer syntax used, <c>2.1.1</c>.</summary>
    public static ObjectIdentifier BasicEncodingRules { get; } = new(2, 1, 1);

    /// <summary>The MMS application context name of IEC 61850-8-1, <c>1.0.9506.2.3</c>.</summary>
    public static ObjectIdentifier MmsApplicationContext { get; } = new(1, 0, 9506, 2, 3);

    /// <summary>The ACSE password authentication mechanism, <c>2.2.3.1</c> (IEC 61850-8-1 weak authentication).</summary>
    public static ObjectIdentifier PasswordMechanism { get; } = new(2, 2, 3, 1);

    /// <summary>The arcs.</summary>
    public IReadOnlyList<ulong> Arcs => _arcs;

    /// <summary>The dotted form.</summary>
    public string Value { get; }

    /// <summary>Parses a dotted identifier.</summary>
    public static ObjectIdentifier Parse(string dotted)
    {
        ArgumentException.ThrowIfNullOrEmpty(dotted);
        return new ObjectIdentifier(dotted.Split('.').Select(p => ulong.Parse(p, NumberStyles.None, CultureInfo.InvariantCulture)).ToArray());
    }

    /// <summary>The content octets (X.690 §8.19): the first two arcs as one subidentifier, then each arc in base 128.</summary>
    public byte[] Encode()
    {
        var bytes = new List<byte>(_arcs.Length + 4);
        AppendArc(bytes, (_arcs[0] * 40) + _arcs[1]);
        for (var i = 2; i < _arcs.Length; i++)
        {
            AppendArc(bytes, _arcs[i]);
        }

        return [.. bytes];
    }

    /// <summary>Decodes content octets; false when they are empty, end inside an arc or carry an arc wider than 64 bits.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> content, out ObjectIdentifier? identifier)
    {
        identifier = null;
        if (content.IsEmpty || (content[^1] & 0x80) != 0)
        {
            return false;
        }

        var arcs = new List<ulong>(8);
        ulong value = 0;
        var started = false;
        foreach (var b in content)
        {
            if (!started && b == 0x80)
            {
                return false; // a leading 0x80 pads a subidentifier (X.690 §8.19.2 forbids it)
            }

            started = true;
            if (value > (ulong.MaxValue >> 7))
            {
                return false;
            }

            value = (value << 7) | (uint)(b & 0x7F);
            if ((b & 0x80) == 0)
            {
                if (arcs.Count == 0)
                {
                    var first = value < 40 ? 0UL : value < 80 ? 1UL : 2UL;
                    arcs.Add(first);
                    arcs.Add(value - (first * 40));
                }
                else
                {
                    arcs.Add(value);
                }

                value = 0;
                started = false;
            }
        }

        identifier = new ObjectIdentifier([.. arcs]);
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(ObjectIdentifier? other) => other is not null && other.Value == Value;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ObjectIdentifier);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    /// <inheritdoc/>
    public override string ToString() => Value;

    private static void AppendArc(List<byte> bytes, ulong arc)
    {
        Span<byte> groups = stackalloc byte[10];
        var count = 0;
        do
        {
            groups[count++] = (byte)(arc & 0x7F);
            arc >>= 7;
        }
        while (arc != 0);

        for (var i = count - 1; i >= 0; i--)
        {
            bytes.Add((byte)(groups[i] | (i > 0 ? 0x80 : 0)));
        }
    }
}
