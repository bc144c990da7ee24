using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Unicode;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Control;
using Bridge.Multicast.Overlay.Routing;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Overlay.Election;

/// <summary>
/// Encodes and decodes the payload of a gateway hello, version 1. It travels as the payload of a
/// GridCast frame of type <see cref="FrameType.Membership"/> on the domain; the frame, not this
/// payload, carries magic, source and authentication. Pure: no I/O, no clock.
/// </summary>
/// <remarks>
/// <para>Layout, big-endian, no padding:</para>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +---------------+-------------+-+---------------+---------------+
/// |  version = 1  |  reserved=0 |R|   priority    |  id length L  |
/// +---------------+-------------+-+---------------+---------------+
/// |   hello interval (ms, >= 1)   |  hold time (ms, > interval)   |
/// +-------------------------------+-------------------------------+
/// |  gateway id: L bytes of UTF-8, L >= 1                        ...
/// +-------------------------------+
/// |     group count N             |
/// +-------------------------------+-------------------------------+
/// | name length M (1 to 1024)     | group wire name: M bytes UTF-8 ...   (N times)
/// +-------------------------------+-------------------------------+
/// </code>
/// <para>
/// R (bit 0 of the flags byte) is <see cref="GatewayHello.Ready"/>; the other seven bits are
/// reserved and must be zero. A group name is the group's <see cref="GroupName.WireName"/>
/// (canonical, no credentials), so every gateway hashes the same bytes for it. The smallest hello
/// (one-byte id, no group) is 11 bytes; the largest accepted is <see cref="MaxEncodedSize"/>.
/// </para>
/// <para>
/// <see cref="TryDecode"/> checks the total size before reading anything and the remaining length
/// before every field, and names the first broken field (<see cref="HelloError"/>).
/// <see cref="Encode(GatewayHello, IBufferWriter{byte})"/> refuses with <see cref="ArgumentException"/> every hello the decoder
/// would reject.
/// </para>
/// </remarks>
public static class GatewayHelloCodec
{
    /// <summary>Version written and read.</summary>
    public const byte Version = 1;

    /// <summary>Bytes before the gateway id.</summary>
    public const int FixedHeaderSize = 8;

    /// <summary>The smallest valid hello: header, a one-byte id, a group count of zero.</summary>
    public const int MinEncodedSize = FixedHeaderSize + 1 + 2;

    /// <summary>The largest gateway id, in UTF-8 bytes.</summary>
    public const int MaxGatewayIdLength = byte.MaxValue;

    /// <summary>The largest group name, in UTF-8 bytes: as in a frame (<see cref="FrameCodec.MaxGroupNameLength"/>).</summary>
    public const int MaxGroupNameLength = FrameCodec.MaxGroupNameLength;

    /// <summary>
    /// The largest hello: what fits in one frame's payload beside the largest group name and tag
    /// (65507 - 50 - 1024 - 512 leaves 63921; this keeps a margin).
    /// </summary>
    public const int MaxEncodedSize = 60_000;

    /// <summary>The longest hello interval or hold time the 16-bit millisecond fields hold.</summary>
    public static readonly TimeSpan MaxTime = TimeSpan.FromMilliseconds(ushort.MaxValue);

    private const byte ReadyFlag = 0x01;

    /// <summary>The encoded size of <paramref name="hello"/>, after checking it as <see cref="Encode(GatewayHello, IBufferWriter{byte})"/> does.</summary>
    /// <exception cref="ArgumentException">The hello could not be decoded by a receiver.</exception>
    public static int GetEncodedSize(GatewayHello hello)
    {
        ArgumentNullException.ThrowIfNull(hello);
        return Check(hello, out _);
    }

    /// <summary>Writes <paramref name="hello"/> to <paramref name="output"/>.</summary>
    /// <exception cref="ArgumentException">The hello could not be decoded by a receiver.</exception>
    public static void Encode(GatewayHello hello, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(hello);
        ArgumentNullException.ThrowIfNull(output);
        var size = Check(hello, out var idLength);
        var span = output.GetSpan(size)[..size];

        span[0] = Version;
        span[1] = hello.Ready ? ReadyFlag : (byte)0;
        span[2] = hello.Priority;
        span[3] = (byte)idLength;
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], (ushort)hello.HelloInterval.TotalMilliseconds);
        BinaryPrimitives.WriteUInt16BigEndian(span[6..], (ushort)hello.HoldTime.TotalMilliseconds);
        var at = FixedHeaderSize + Encoding.UTF8.GetBytes(hello.Gateway.Value, span[FixedHeaderSize..]);
        GroupListCodec.Write(hello.Groups, span[at..]);

        output.Advance(size);
    }

    /// <summary>Encodes <paramref name="hello"/> into a new array.</summary>
    /// <exception cref="ArgumentException">The hello could not be decoded by a receiver.</exception>
    public static byte[] Encode(GatewayHello hello)
    {
        var buffer = new ArrayBufferWriter<byte>(GetEncodedSize(hello));
        Encode(hello, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Decodes one hello that fills <paramref name="input"/> exactly. Never throws on any input:
    /// on failure <paramref name="error"/> names the first broken field.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> input, [NotNullWhen(true)] out GatewayHello? hello, out HelloError error)
    {
        hello = null;
        error = Decode(input, ref hello);
        return error == HelloError.None;
    }

    private static HelloError Decode(ReadOnlySpan<byte> input, ref GatewayHello? hello)
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

        var flags = input[1];
        if ((flags & ~ReadyFlag) != 0)
        {
            return HelloError.UnknownFlags;
        }

        var priority = input[2];
        int idLength = input[3];
        if (idLength == 0)
        {
            return HelloError.EmptyGatewayId;
        }

        var intervalMs = BinaryPrimitives.ReadUInt16BigEndian(input[4..]);
        var holdMs = BinaryPrimitives.ReadUInt16BigEndian(input[6..]);
        if (intervalMs == 0)
        {
            return HelloError.ZeroHelloInterval;
        }

        if (holdMs <= intervalMs)
        {
            return HelloError.HoldTimeNotAboveInterval;
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

        var groupError = GroupListCodec.Read(rest[idLength..], out var groups);
        if (groupError != HelloError.None)
        {
            return groupError;
        }

        hello = new GatewayHello(
            new GatewayId(Encoding.UTF8.GetString(idBytes)),
            priority,
            (flags & ReadyFlag) != 0,
            TimeSpan.FromMilliseconds(intervalMs),
            TimeSpan.FromMilliseconds(holdMs),
            groups);
        return HelloError.None;
    }

    /// <summary>Checks what the decoder checks; returns the encoded size.</summary>
    private static int Check(GatewayHello hello, out int idLength)
    {
        if (hello.Gateway.IsDefault)
        {
            throw new ArgumentException("A hello needs a gateway id.", nameof(hello));
        }

        idLength = Encoding.UTF8.GetByteCount(hello.Gateway.Value);
        if (idLength > MaxGatewayIdLength)
        {
            throw new ArgumentException($"Gateway id '{hello.Gateway}' is {idLength} bytes of UTF-8; at most {MaxGatewayIdLength}.", nameof(hello));
        }

        CheckMilliseconds(hello.HelloInterval, nameof(GatewayHello.HelloInterval));
        CheckMilliseconds(hello.HoldTime, nameof(GatewayHello.HoldTime));
        if (hello.HoldTime <= hello.HelloInterval)
        {
            throw new ArgumentException($"Hold time {hello.HoldTime} must be longer than the hello interval {hello.HelloInterval}.", nameof(hello));
        }

        var size = FixedHeaderSize + idLength + GroupListCodec.Measure(hello.Groups, "hello", nameof(hello));
        return size <= MaxEncodedSize
            ? (int)size
            : throw new ArgumentException($"The hello would take {size} bytes; at most {MaxEncodedSize}.", nameof(hello));
    }

    private static void CheckMilliseconds(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero || value > MaxTime || value.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            throw new ArgumentException($"{name} {value} must be whole milliseconds from 1 to {ushort.MaxValue}.", name);
        }
    }
}
