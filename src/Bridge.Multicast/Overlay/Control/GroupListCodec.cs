using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Election;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Overlay.Control;

/// <summary>
/// The list of groups that ends every domain control payload (a gateway hello, a member report, a
/// leaf's interest; docs/wire-format.md §5.1.2): a 16-bit count N, then N times a 16-bit length M
/// (1 to 1024) and the group's wire name in M bytes of UTF-8. Names are canonical wire names
/// without credentials, each once, so every gateway hashes and compares the same bytes.
/// </summary>
internal static class GroupListCodec
{
    /// <summary>The largest group name, in UTF-8 bytes: as in a frame.</summary>
    public const int MaxGroupNameLength = FrameCodec.MaxGroupNameLength;

    /// <summary>The encoded size of <paramref name="groups"/>; throws, naming <paramref name="what"/>, for a list no reader accepts.</summary>
    public static long Measure(IReadOnlyList<GroupName> groups, string what, string parameter)
    {
        ArgumentNullException.ThrowIfNull(groups, parameter);
        if (groups.Count > ushort.MaxValue)
        {
            throw new ArgumentException($"A {what} holds at most {ushort.MaxValue} groups, not {groups.Count}.", parameter);
        }

        long size = 2;
        var seen = new HashSet<string>(groups.Count, StringComparer.Ordinal);
        foreach (var group in groups)
        {
            if (group is null)
            {
                throw new ArgumentException($"A {what} lists a null group.", parameter);
            }

            if (!seen.Add(group.WireName))
            {
                throw new ArgumentException($"A {what} lists {group} twice.", parameter);
            }

            var length = Encoding.UTF8.GetByteCount(group.WireName);
            if (length > MaxGroupNameLength)
            {
                throw new ArgumentException($"Group name {group} is {length} bytes of UTF-8; at most {MaxGroupNameLength}.", parameter);
            }

            size += 2 + length;
        }

        return size;
    }

    /// <summary>Writes the list, measured before, at the start of <paramref name="span"/>; returns the bytes written.</summary>
    public static int Write(IReadOnlyList<GroupName> groups, Span<byte> span)
    {
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)groups.Count);
        var at = 2;
        foreach (var group in groups)
        {
            var length = Encoding.UTF8.GetBytes(group.WireName, span[(at + 2)..]);
            BinaryPrimitives.WriteUInt16BigEndian(span[at..], (ushort)length);
            at += 2 + length;
        }

        return at;
    }

    /// <summary>Reads a list that fills <paramref name="rest"/> exactly; names the first broken field.</summary>
    public static HelloError Read(ReadOnlySpan<byte> rest, out GroupName[] groups)
    {
        groups = [];
        if (rest.Length < 2)
        {
            return HelloError.Truncated;
        }

        int count = BinaryPrimitives.ReadUInt16BigEndian(rest);
        rest = rest[2..];

        // Each group takes at least three bytes, so a count the input cannot hold is refused
        // before anything is allocated for it.
        if (rest.Length < 3L * count)
        {
            return HelloError.Truncated;
        }

        var read = new GroupName[count];
        var seen = new HashSet<string>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            if (rest.Length < 2)
            {
                return HelloError.Truncated;
            }

            int nameLength = BinaryPrimitives.ReadUInt16BigEndian(rest);
            if (nameLength is 0 or > MaxGroupNameLength)
            {
                return HelloError.BadGroupNameLength;
            }

            rest = rest[2..];
            if (rest.Length < nameLength)
            {
                return HelloError.Truncated;
            }

            var nameBytes = rest[..nameLength];
            if (!Utf8.IsValid(nameBytes))
            {
                return HelloError.GroupNameNotUtf8;
            }

            var text = Encoding.UTF8.GetString(nameBytes);
            if (!GroupName.TryParse(text, out var group, out _)
                || group.SecCredentials is not null
                || !string.Equals(group.WireName, text, StringComparison.Ordinal))
            {
                return HelloError.BadGroupName;
            }

            if (!seen.Add(text))
            {
                return HelloError.DuplicateGroup;
            }

            read[i] = group;
            rest = rest[nameLength..];
        }

        if (!rest.IsEmpty)
        {
            return HelloError.TrailingBytes;
        }

        groups = read;
        return HelloError.None;
    }
}
