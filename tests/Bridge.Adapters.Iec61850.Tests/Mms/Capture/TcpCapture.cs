using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using Bridge.Testing.Captures;

namespace Bridge.Adapters.Iec61850.Tests.Mms.Capture;

/// <summary>Which way a segment of a TCP conversation travels.</summary>
public enum Direction
{
    /// <summary>From the side that sent the SYN (the MMS client).</summary>
    ClientToServer,

    /// <summary>From the side that answered it (the MMS server).</summary>
    ServerToClient,
}

/// <summary>One TCP segment of an Ethernet/IPv4 frame.</summary>
public sealed record TcpSegment(int Frame, IPEndPoint Source, IPEndPoint Destination, uint Sequence, byte Flags, ReadOnlyMemory<byte> Payload)
{
    public const byte Fin = 0x01, Syn = 0x02, Rst = 0x04, Ack = 0x10;

    public bool IsSyn => (Flags & Syn) != 0;

    public bool IsAck => (Flags & Ack) != 0;
}

/// <summary>
/// Ethernet II (with or without 802.1Q tags), IPv4 and TCP headers, parsed for test vectors: each
/// length is checked before it is used, and the IPv4 header and TCP checksums are verified
/// (the reference capture was taken with checksum offload off, so they must all hold).
/// </summary>
public static class EthernetIpv4Tcp
{
    private const ushort EtherTypeIpv4 = 0x0800;
    private const ushort EtherTypeVlan = 0x8100;

    /// <summary>The TCP segment of <paramref name="packet"/>, or null when it is not IPv4/TCP.</summary>
    /// <exception cref="InvalidDataException">A header is truncated or a checksum is wrong.</exception>
    public static TcpSegment? Parse(CapturedPacket packet)
    {
        var frame = packet.Data.Span;
        var at = 12;
        Need(frame, at + 2, packet, "Ethernet header");
        var etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[at..]);
        while (etherType == EtherTypeVlan)
        {
            at += 4;
            Need(frame, at + 2, packet, "802.1Q tag");
            etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[at..]);
        }

        if (etherType != EtherTypeIpv4)
        {
            return null;
        }

        var ip = at + 2;
        Need(frame, ip + 20, packet, "IPv4 header");
        var ihl = (frame[ip] & 0x0F) * 4;
        var totalLength = BinaryPrimitives.ReadUInt16BigEndian(frame[(ip + 2)..]);
        if (frame[ip] >> 4 != 4 || ihl < 20 || totalLength < ihl)
        {
            throw Bad(packet, "not a well-formed IPv4 header");
        }

        Need(frame, ip + totalLength, packet, "IPv4 packet");
        if (Checksum(frame.Slice(ip, ihl), 0) != 0)
        {
            throw Bad(packet, "IPv4 header checksum");
        }

        if ((BinaryPrimitives.ReadUInt16BigEndian(frame[(ip + 6)..]) & 0x3FFF) != 0)
        {
            throw Bad(packet, "a fragmented IPv4 packet");
        }

        if (frame[ip + 9] != 6)
        {
            return null;
        }

        var tcp = ip + ihl;
        var tcpLength = totalLength - ihl;
        if (tcpLength < 20)
        {
            throw Bad(packet, "TCP header shorter than 20 octets");
        }

        var dataOffset = (frame[tcp + 12] >> 4) * 4;
        if (dataOffset < 20 || dataOffset > tcpLength)
        {
            throw Bad(packet, "TCP data offset");
        }

        var source = new IPAddress(frame.Slice(ip + 12, 4));
        var destination = new IPAddress(frame.Slice(ip + 16, 4));
        // The pseudo-header: addresses, protocol, TCP length (RFC 793 §3.1).
        uint pseudo = (uint)(BinaryPrimitives.ReadUInt16BigEndian(frame[(ip + 12)..]) + BinaryPrimitives.ReadUInt16BigEndian(frame[(ip + 14)..])
            + BinaryPrimitives.ReadUInt16BigEndian(frame[(ip + 16)..]) + BinaryPrimitives.ReadUInt16BigEndian(frame[(ip + 18)..]) + 6 + tcpLength);
        if (Checksum(frame.Slice(tcp, tcpLength), pseudo) != 0)
        {
            throw Bad(packet, "TCP checksum");
        }

        return new TcpSegment(
            packet.Number,
            new IPEndPoint(source, BinaryPrimitives.ReadUInt16BigEndian(frame[tcp..])),
            new IPEndPoint(destination, BinaryPrimitives.ReadUInt16BigEndian(frame[(tcp + 2)..])),
            BinaryPrimitives.ReadUInt32BigEndian(frame[(tcp + 4)..]),
            frame[tcp + 13],
            packet.Data.Slice(tcp + dataOffset, tcpLength - dataOffset));
    }

    private static ushort Checksum(ReadOnlySpan<byte> bytes, uint sum)
    {
        for (var i = 0; i + 1 < bytes.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(bytes[i..]);
        }

        if (bytes.Length % 2 == 1)
        {
            sum += (uint)bytes[^1] << 8;
        }

        while (sum >> 16 != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    private static void Need(ReadOnlySpan<byte> frame, int length, CapturedPacket packet, string what)
    {
        if (frame.Length < length)
        {
            throw Bad(packet, what + " truncated");
        }
    }

    private static InvalidDataException Bad(CapturedPacket packet, string what)
        => new(string.Create(CultureInfo.InvariantCulture, $"frame {packet.Number}: {what}"));
}

/// <summary>The bytes of one direction of a TCP conversation, with the frame each byte arrived in.</summary>
public sealed class TcpDirectionBytes
{
    private readonly List<(long Offset, int Frame)> _frames = [];
    private readonly ArrayBufferWriter<byte> _bytes = new();
    private uint _next;
    private bool _started;

    public ReadOnlyMemory<byte> Bytes => _bytes.WrittenMemory;

    /// <summary>The capture frame that carried the byte at <paramref name="offset"/>.</summary>
    public int FrameAt(long offset)
    {
        var index = _frames.FindLastIndex(f => f.Offset <= offset);
        return index < 0 ? throw new ArgumentOutOfRangeException(nameof(offset)) : _frames[index].Frame;
    }

    public void Start(uint initialSequence)
    {
        _next = initialSequence + 1;
        _started = true;
    }

    public void Add(TcpSegment segment)
    {
        if (segment.Payload.IsEmpty)
        {
            return;
        }

        if (!_started)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"frame {segment.Frame}: data before the SYN"));
        }

        var delta = unchecked((int)(segment.Sequence - _next));
        if (delta > 0)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"frame {segment.Frame}: a gap of {delta} octets (a segment is missing from the capture)"));
        }

        var skip = -delta; // retransmitted octets already held
        if (skip >= segment.Payload.Length)
        {
            return;
        }

        _frames.Add((_bytes.WrittenCount, segment.Frame));
        _bytes.Write(segment.Payload.Span[skip..]);
        _next = unchecked(_next + (uint)(segment.Payload.Length - skip));
    }
}

/// <summary>One TCP conversation: its client and server endpoints and the two byte streams.</summary>
public sealed class TcpConversation(int index, IPEndPoint client, IPEndPoint server)
{
    /// <summary>The conversation's number in order of SYNs (tshark's tcp.stream).</summary>
    public int Index { get; } = index;

    public IPEndPoint Client { get; } = client;

    public IPEndPoint Server { get; } = server;

    public TcpDirectionBytes ClientToServer { get; } = new();

    public TcpDirectionBytes ServerToClient { get; } = new();

    public TcpDirectionBytes Stream(Direction direction) => direction == Direction.ClientToServer ? ClientToServer : ServerToClient;

    /// <summary>The conversations of <paramref name="packets"/>, reassembled.</summary>
    public static IReadOnlyList<TcpConversation> Reassemble(IEnumerable<CapturedPacket> packets)
    {
        var conversations = new List<TcpConversation>();
        foreach (var packet in packets)
        {
            if (EthernetIpv4Tcp.Parse(packet) is not { } segment)
            {
                continue;
            }

            var conversation = conversations.LastOrDefault(c =>
                (c.Client.Equals(segment.Source) && c.Server.Equals(segment.Destination))
                || (c.Server.Equals(segment.Source) && c.Client.Equals(segment.Destination)));
            if (segment.IsSyn && !segment.IsAck)
            {
                conversation = new TcpConversation(conversations.Count, segment.Source, segment.Destination);
                conversations.Add(conversation);
                conversation.ClientToServer.Start(segment.Sequence);
                continue;
            }

            if (conversation is null)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"frame {segment.Frame}: a segment of no conversation started in the capture"));
            }

            var direction = conversation.Client.Equals(segment.Source) ? Direction.ClientToServer : Direction.ServerToClient;
            if (segment.IsSyn)
            {
                conversation.ServerToClient.Start(segment.Sequence);
                continue;
            }

            conversation.Stream(direction).Add(segment);
        }

        return conversations;
    }
}
