using System.Buffers.Binary;
using System.Text;
using Bridge.Multicast.Overlay.Election;

namespace Bridge.Multicast.Tests.Overlay.Election;

/// <summary>A hello payload that must be rejected, and the reason it must be rejected for.</summary>
/// <param name="Name">What is wrong, for the test name.</param>
/// <param name="Bytes">The payload.</param>
/// <param name="Expected">The reason the decoder must give.</param>
internal sealed record MalformedHello(string Name, byte[] Bytes, HelloError Expected)
{
    public override string ToString() => Name;
}

/// <summary>
/// Hello payloads built field by field (not with the codec under test), each broken in one
/// place, so the table also pins the layout.
/// </summary>
internal static class MalformedHellos
{
    private static readonly byte[] GroupA = Encoding.UTF8.GetBytes("ham:sg:grid.a");
    private static readonly byte[] GroupB = Encoding.UTF8.GetBytes("ham:sg:grid.b");

    /// <summary>The names of <see cref="All"/>, as theory data: each case runs and reports on its own.</summary>
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var hello in All)
        {
            data.Add(hello.Name);
        }

        return data;
    }

    /// <summary>The case named <paramref name="name"/>.</summary>
    public static MalformedHello Named(string name) => All.Single(m => m.Name == name);

    public static IReadOnlyList<MalformedHello> All { get; } =
    [
        new("empty", [], HelloError.Truncated),
        new("header cut at 7 bytes", Build()[..7], HelloError.Truncated),
        new("version 0", Build(version: 0), HelloError.UnsupportedVersion),
        new("version 2", Build(version: 2), HelloError.UnsupportedVersion),
        new("reserved flag 0x02", Build(flags: 0x02), HelloError.UnknownFlags),
        new("reserved flag 0x80 beside ready", Build(flags: 0x81), HelloError.UnknownFlags),
        new("id length 0", Build(idLength: 0), HelloError.EmptyGatewayId),
        new("interval 0", Build(intervalMs: 0), HelloError.ZeroHelloInterval),
        new("hold equal to interval", Build(intervalMs: 100, holdMs: 100), HelloError.HoldTimeNotAboveInterval),
        new("hold below interval", Build(intervalMs: 100, holdMs: 99), HelloError.HoldTimeNotAboveInterval),
        new("id length past the end", Build(idLength: 200), HelloError.Truncated),
        new("id not UTF-8", Build(id: [0x67, 0xFF, 0x2D, 0x61]), HelloError.GatewayIdNotUtf8),
        new("id with a lone continuation byte", Build(id: [0x80]), HelloError.GatewayIdNotUtf8),
        new("group count missing", Build(groups: [])[..12], HelloError.Truncated),
        new("group count one byte", Build(groups: [])[..13], HelloError.Truncated),
        new("group count above the groups present", Build(count: 3), HelloError.Truncated),
        new("group count 65535 with no groups", Build(groups: [], count: ushort.MaxValue), HelloError.Truncated),
        new("group name length 0", Build(groups: [GroupA, []]), HelloError.BadGroupNameLength),
        new("group name length 1025", Build(groups: [new byte[1025]], count: 1), HelloError.BadGroupNameLength),
        new("group name cut short", Build()[..^1], HelloError.Truncated),
        new("group name not UTF-8", Build(groups: [[0x68, 0x61, 0x6D, 0xC3]]), HelloError.GroupNameNotUtf8),
        new("group name not a name", Build(groups: [Encoding.UTF8.GetBytes("not a group")]), HelloError.BadGroupName),
        new("group name not canonical", Build(groups: [Encoding.UTF8.GetBytes("HAM:SG:GRID.A")]), HelloError.BadGroupName),
        new("group name with credentials", Build(groups: [Encoding.UTF8.GetBytes("ham:sg:grid.a/hmac;c2VjcmV0")]), HelloError.BadGroupName),
        new("group listed twice", Build(groups: [GroupA, GroupB, GroupA]), HelloError.DuplicateGroup),
        new("trailing byte", [.. Build(), 0], HelloError.TrailingBytes),
        new("larger than the maximum", [.. Build(), .. new byte[GatewayHelloCodec.MaxEncodedSize]], HelloError.TooLarge),
    ];

    /// <summary>
    /// A hello: version 1, ready, priority 7, id "gw-a", 100 ms / 350 ms, groups
    /// ham:sg:grid.a and ham:sg:grid.b, unless a field is overridden.
    /// </summary>
    public static byte[] Build(
        byte version = 1,
        byte flags = 0x01,
        byte priority = 7,
        byte[]? id = null,
        int? idLength = null,
        ushort intervalMs = 100,
        ushort holdMs = 350,
        byte[][]? groups = null,
        int? count = null)
    {
        id ??= Encoding.UTF8.GetBytes("gw-a");
        groups ??= [GroupA, GroupB];
        var bytes = new List<byte> { version, flags, priority, (byte)(idLength ?? id.Length) };
        AddUInt16(bytes, intervalMs);
        AddUInt16(bytes, holdMs);
        bytes.AddRange(id);
        AddUInt16(bytes, (ushort)(count ?? groups.Length));
        foreach (var group in groups)
        {
            AddUInt16(bytes, (ushort)group.Length);
            bytes.AddRange(group);
        }

        return [.. bytes];
    }

    private static void AddUInt16(List<byte> bytes, ushort value)
    {
        Span<byte> two = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(two, value);
        bytes.AddRange(two.ToArray());
    }
}
