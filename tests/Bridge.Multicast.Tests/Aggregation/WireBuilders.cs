using System.Buffers.Binary;
using System.Text;

namespace Bridge.Multicast.Tests.Aggregation;

/// <summary>
/// Payloads of the reverse channel built field by field, not with the codecs under test, so the
/// malformed tables also pin the layouts of docs/wire-format.md §5.1.5 to §5.1.7.
/// </summary>
internal static class WireBuilders
{
    public static byte[] Request(
        byte version = 1,
        byte flags = 0,
        byte functions = 0x03,
        int? boundCount = null,
        ulong requestId = 7,
        uint budgetMs = 2000,
        ushort collectItems = 0,
        uint collectBytes = 0,
        double[]? bounds = null,
        int extra = 0)
    {
        bounds ??= [];
        var bytes = new byte[22 + (8 * bounds.Length) + extra];
        bytes[0] = version;
        bytes[1] = flags;
        bytes[2] = functions;
        bytes[3] = (byte)(boundCount ?? bounds.Length);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(4), requestId);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(12), budgetMs);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(16), collectItems);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(18), collectBytes);
        for (var i = 0; i < bounds.Length; i++)
        {
            BinaryPrimitives.WriteDoubleBigEndian(bytes.AsSpan(22 + (8 * i)), bounds[i]);
        }

        return bytes;
    }

    public static byte[] Reply(byte version = 1, ulong requestId = 7, ulong member = 42, double value = 1.5, byte[]? data = null, int? dataLength = null)
    {
        data ??= [];
        var bytes = new byte[26 + data.Length];
        bytes[0] = version;
        bytes[1] = (byte)(dataLength ?? data.Length);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(2), requestId);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(10), member);
        BinaryPrimitives.WriteDoubleBigEndian(bytes.AsSpan(18), value);
        data.CopyTo(bytes.AsSpan(26));
        return bytes;
    }

    /// <summary>A partial; the defaults are a valid one: 3 contributors of 1, 2 and 3 in a two-bucket histogram.</summary>
    public static byte[] Partial(
        byte version = 1,
        byte flags = 0,
        ulong requestId = 7,
        ulong contributors = 3,
        Int128? sumUnits = null,
        double min = 1,
        double max = 3,
        ulong late = 0,
        ulong members = 0,
        ulong missing = 0,
        uint subtreeCount = 0,
        uint partialsMerged = 1,
        ulong overflow = 0,
        ulong[]? histogram = null,
        string[]? subtrees = null,
        byte[][]? rawSubtrees = null,
        ulong[]? missingIds = null,
        (ulong Member, double Value, byte[] Data)[]? items = null,
        int? bucketCount = null,
        int? subtreeListed = null,
        int? itemCount = null,
        int? idCount = null,
        int extra = 0)
    {
        histogram ??= [1, 2];
        var subtreeBytes = rawSubtrees ?? (subtrees ?? []).Select(Encoding.UTF8.GetBytes).ToArray();
        missingIds ??= [];
        items ??= [];
        var size = 96 + (8 * histogram.Length) + subtreeBytes.Sum(s => 1 + s.Length) + (8 * missingIds.Length) + items.Sum(i => 17 + i.Data.Length) + extra;
        var bytes = new byte[size];
        var span = bytes.AsSpan();
        span[0] = version;
        span[1] = flags;
        span[2] = (byte)(bucketCount ?? histogram.Length);
        span[3] = (byte)(subtreeListed ?? subtreeBytes.Length);
        BinaryPrimitives.WriteUInt64BigEndian(span[4..], requestId);
        BinaryPrimitives.WriteUInt64BigEndian(span[12..], contributors);
        BinaryPrimitives.WriteInt128BigEndian(span[20..], sumUnits ?? (Int128)6 << 32);
        BinaryPrimitives.WriteDoubleBigEndian(span[36..], min);
        BinaryPrimitives.WriteDoubleBigEndian(span[44..], max);
        BinaryPrimitives.WriteUInt64BigEndian(span[52..], late);
        BinaryPrimitives.WriteUInt64BigEndian(span[60..], members);
        BinaryPrimitives.WriteUInt64BigEndian(span[68..], missing);
        BinaryPrimitives.WriteUInt32BigEndian(span[76..], subtreeCount);
        BinaryPrimitives.WriteUInt32BigEndian(span[80..], partialsMerged);
        BinaryPrimitives.WriteUInt16BigEndian(span[84..], (ushort)(itemCount ?? items.Length));
        BinaryPrimitives.WriteUInt64BigEndian(span[86..], overflow);
        BinaryPrimitives.WriteUInt16BigEndian(span[94..], (ushort)(idCount ?? missingIds.Length));
        var at = 96;
        foreach (var count in histogram)
        {
            BinaryPrimitives.WriteUInt64BigEndian(span[at..], count);
            at += 8;
        }

        foreach (var id in subtreeBytes)
        {
            span[at] = (byte)id.Length;
            id.CopyTo(span[(at + 1)..]);
            at += 1 + id.Length;
        }

        foreach (var id in missingIds)
        {
            BinaryPrimitives.WriteUInt64BigEndian(span[at..], id);
            at += 8;
        }

        foreach (var (member, value, data) in items)
        {
            BinaryPrimitives.WriteUInt64BigEndian(span[at..], member);
            BinaryPrimitives.WriteDoubleBigEndian(span[(at + 8)..], value);
            span[at + 16] = (byte)data.Length;
            data.CopyTo(span[(at + 17)..]);
            at += 17 + data.Length;
        }

        return bytes;
    }
}
