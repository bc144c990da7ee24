using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Unicode;
using Bridge.Multicast.Overlay.Election;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Overlay.Control;

/// <summary>
/// Encodes and decodes a leaf's interest, version 2 (docs/wire-format.md §5.1.2.2). It travels in a
/// whole GridCast frame of type <see cref="FrameType.Membership"/> with the group name <c>link</c>
/// on the leaf's link to an upstream. Version 1 was the gateway hello's layout, whose priority and
/// times meant nothing there; a version 1 payload is refused as <see cref="HelloError.UnsupportedVersion"/>.
/// Pure: no I/O, no clock.
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +---------------+---------------+---------------+---------------+
/// |  version = 2  | reserved = 0  |  id length L  | leaf id: L bytes of UTF-8 ...
/// +---------------+---------------+---------------+-------------------------------+
/// |        group count N          | name length M | group wire name ... (N times)
/// +-------------------------------+---------------+-------------------------------+
/// </code>
/// <para>The group list is the hello's (16-bit count, then 16-bit length and name each); errors are <see cref="HelloError"/> values.</para>
/// </remarks>
public static class LeafInterestCodec
{
    /// <summary>Version written and read.</summary>
    public const byte Version = 2;

    /// <summary>Bytes before the leaf id.</summary>
    public const int FixedHeaderSize = 3;

    /// <summary>The largest interest accepted: as for a hello.</summary>
    public const int MaxEncodedSize = GatewayHelloCodec.MaxEncodedSize;

    /// <summary>Encodes <paramref name="interest"/> into a new array.</summary>
    /// <exception cref="ArgumentException">No receiver could decode it.</exception>
    public static byte[] Encode(LeafInterest interest)
    {
        ArgumentNullException.ThrowIfNull(interest);
        GatewayId.ThrowIfDefault(interest.Leaf, nameof(interest));
        var idLength = Encoding.UTF8.GetByteCount(interest.Leaf.Value);
        if (idLength > GatewayHelloCodec.MaxGatewayIdLength)
        {
            throw new ArgumentException($"Leaf id '{interest.Leaf}' is {idLength} bytes of UTF-8; at most {GatewayHelloCodec.MaxGatewayIdLength}.", nameof(interest));
        }

        var size = FixedHeaderSize + idLength + GroupListCodec.Measure(interest.Groups, "leaf interest", nameof(interest));
        if (size > MaxEncodedSize)
        {
            throw new ArgumentException($"The leaf interest would take {size} bytes; at most {MaxEncodedSize}.", nameof(interest));
        }

        var bytes = new byte[size];
        bytes[0] = Version;
        bytes[2] = (byte)idLength;
        Encoding.UTF8.GetBytes(interest.Leaf.Value, bytes.AsSpan(FixedHeaderSize));
        GroupListCodec.Write(interest.Groups, bytes.AsSpan(FixedHeaderSize + idLength));
        return bytes;
    }

    /// <summary>Decodes one interest that fills <paramref name="input"/> exactly. Never throws: on failure <paramref name="error"/> names the first broken field.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> input, [NotNullWhen(true)] out LeafInterest? interest, out HelloError error)
    {
        interest = null;
        error = Decode(input, ref interest);
        return error == HelloError.None;
    }

    private static HelloError Decode(ReadOnlySpan<byte> input, ref LeafInterest? interest)
    {
        if (input.Length > MaxEncodedSize)
        {
            return HelloError.TooLarge;
        }

        if (input.Length < FixedHeaderSize)
        {
            return HelloError.Truncated;
        }

        if (input[0] != Version)
        {
            return HelloError.UnsupportedVersion;
        }

        if (input[1] != 0)
        {
            return HelloError.UnknownFlags;
        }

        int idLength = input[2];
        if (idLength == 0)
        {
            return HelloError.EmptyGatewayId;
        }

        var rest = input[FixedHeaderSize..];
        if (rest.Length < idLength)
        {
            return HelloError.Truncated;
        }

        var idBytes = rest[..idLength];
        if (!Utf8.IsValid(idBytes))
        {
            return HelloError.GatewayIdNotUtf8;
        }

        var error = GroupListCodec.Read(rest[idLength..], out var groups);
        if (error == HelloError.None)
        {
            interest = new LeafInterest(new GatewayId(Encoding.UTF8.GetString(idBytes)), groups);
        }

        return error;
    }
}
