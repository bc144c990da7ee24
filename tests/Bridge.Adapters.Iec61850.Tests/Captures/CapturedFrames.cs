using System.Buffers.Binary;
using Bridge.Adapters.Iec61850.Goose;

namespace Bridge.Adapters.Iec61850.Tests.Captures;

/// <summary>Pieces of the captured Ethernet frames the tests need: the UDP payload of an IPv4 datagram, the APDU of a GOOSE frame.</summary>
public static class CapturedFrames
{
    /// <summary>The UDP payload of an untagged Ethernet frame holding IPv4 and UDP; throws when the frame is not one.</summary>
    public static ReadOnlyMemory<byte> UdpPayload(ReadOnlyMemory<byte> frame)
    {
        var span = frame.Span;
        if (BinaryPrimitives.ReadUInt16BigEndian(span[12..]) != 0x0800)
        {
            throw new InvalidDataException("not an IPv4 frame");
        }

        var ip = span[14..];
        var headerLength = (ip[0] & 0x0F) * 4;
        if (ip[9] != 17)
        {
            throw new InvalidDataException("not UDP");
        }

        var udpLength = BinaryPrimitives.ReadUInt16BigEndian(ip[(headerLength + 4)..]);
        return frame.Slice(14 + headerLength + 8, udpLength - 8);
    }

    /// <summary>The UDP payloads of every frame of capture <paramref name="name"/>.</summary>
    public static IReadOnlyList<ReadOnlyMemory<byte>> UdpPayloads(string name)
        => [.. CaptureFiles.Read(name).Select(p => UdpPayload(p.Data))];

    /// <summary>The goosePdus of every frame of the Layer-2 GOOSE capture <paramref name="name"/>; fails the test when a frame does not decode.</summary>
    public static IReadOnlyList<byte[]> GooseApdus(string name)
        => [.. CaptureFiles.Read(name).Select(p =>
        {
            Assert.True(GooseFrameCodec.TryDecode(p.Data, out var frame, out var rejection), rejection.ToString());
            return frame.Apdu.ToArray();
        })];
}
