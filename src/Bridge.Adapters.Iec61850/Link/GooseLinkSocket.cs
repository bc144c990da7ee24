using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Bridge.Adapters.Iec61850.Goose;

namespace Bridge.Adapters.Iec61850.Link;

/// <summary>
/// Sends and captures GOOSE frames on one named Linux interface through an AF_PACKET raw socket
/// (packet(7)) bound to EtherType 0x88B8: the kernel hands it GOOSE frames only, tagged or not,
/// and it writes whole frames as given. Needs CAP_NET_RAW (root).
/// </summary>
/// <remarks>
/// <para>Why AF_PACKET and not SharpPcap/libpcap: no native library or package to install, one
/// system call per frame each way, and a socket .NET's own async machinery drives
/// (docs/iec61850-goose.md has the comparison and the figures).</para>
/// <para>The kernel strips an 802.1Q tag from received frames before packet sockets see them
/// (it reports it in PACKET_AUXDATA, which this socket does not read), so captured frames come
/// untagged (<see cref="GooseFrameHeader.Vlan"/> null); a tag written into a sent frame goes out
/// as written. The socket's own frames are not captured back (PACKET_IGNORE_OUTGOING).</para>
/// </remarks>
public sealed class GooseLinkSocket : IDisposable
{
    /// <summary>The default receive buffer: room for about 2 s of a 10 000 frames/s burst.</summary>
    public const int DefaultReceiveBufferSize = 16 << 20;

    private const int SolSocket = 1;
    private const int SoRcvBufForce = 33;
    private const int SolPacket = 263;
    private const int PacketAddMembership = 1;
    private const int PacketIgnoreOutgoing = 23;
    private const ushort PacketMrMulticast = 0;
    private const ushort PacketMrAllMulti = 2;

    private readonly Socket _socket;

    private GooseLinkSocket(Socket socket, string interfaceName, int interfaceIndex, MacAddress address)
    {
        _socket = socket;
        InterfaceName = interfaceName;
        InterfaceIndex = interfaceIndex;
        Address = address;
    }

    /// <summary>The interface's name.</summary>
    public string InterfaceName { get; }

    /// <summary>The interface's index.</summary>
    public int InterfaceIndex { get; }

    /// <summary>The interface's hardware address (the source of frames this host publishes).</summary>
    public MacAddress Address { get; }

    /// <summary>What was captured, filtered out and rejected.</summary>
    public GooseLinkCounters Counters { get; } = new();

    /// <summary>
    /// Opens a socket on interface <paramref name="interfaceName"/> of the calling thread's
    /// network namespace. <paramref name="allMulticast"/> asks the interface for every multicast
    /// frame (else <see cref="JoinMulticast"/> names the GOOSE destinations wanted).
    /// <paramref name="receiveBufferSize"/> is asked for with SO_RCVBUFFORCE (the process has
    /// CAP_NET_RAW, usually root, so it may exceed net.core.rmem_max), else with SO_RCVBUF.
    /// </summary>
    /// <exception cref="SocketException">The interface does not exist, or the process may not open raw sockets.</exception>
    public static GooseLinkSocket Open(string interfaceName, bool allMulticast = true, int receiveBufferSize = DefaultReceiveBufferSize)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        var index = (int)IfNameToIndex(interfaceName);
        if (index == 0)
        {
            throw new SocketException(Marshal.GetLastPInvokeError(), $"no interface named '{interfaceName}' in this network namespace");
        }

        var protocol = (ProtocolType)BinaryPrimitives.ReverseEndianness(GooseFrameCodec.EtherType);
        var socket = new Socket(AddressFamily.Packet, SocketType.Raw, protocol);
        try
        {
            socket.Bind(new PacketEndPoint(index, GooseFrameCodec.EtherType));
            Span<byte> on = stackalloc byte[4];
            BitConverter.TryWriteBytes(on, 1);
            socket.SetRawSocketOption(SolPacket, PacketIgnoreOutgoing, on);
            SetReceiveBuffer(socket, receiveBufferSize);
            var bound = (PacketEndPoint)socket.LocalEndPoint!;
            var link = new GooseLinkSocket(socket, interfaceName, index, bound.Address);
            if (allMulticast)
            {
                link.AddMembership(PacketMrAllMulti, default);
            }

            return link;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Asks the interface to pass frames for <paramref name="destination"/> (a GOOSE multicast address).</summary>
    public void JoinMulticast(MacAddress destination) => AddMembership(PacketMrMulticast, destination);

    /// <summary>Sends one whole frame (destination first, no FCS).</summary>
    public void Send(ReadOnlySpan<byte> frame)
    {
        var sent = _socket.Send(frame);
        if (sent != frame.Length)
        {
            throw new SocketException((int)SocketError.MessageSize, $"sent {sent} of {frame.Length} bytes");
        }
    }

    /// <summary>Sends one whole frame (destination first, no FCS).</summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken = default)
    {
        var sent = await _socket.SendAsync(frame, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        if (sent != frame.Length)
        {
            throw new SocketException((int)SocketError.MessageSize, $"sent {sent} of {frame.Length} bytes");
        }
    }

    /// <summary>Receives the next frame into <paramref name="buffer"/>; returns its length.</summary>
    public ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);

    /// <summary>
    /// Receives frames until one is a GOOSE frame that passes <paramref name="filter"/>; returns
    /// it, its APDU a slice of <paramref name="buffer"/>. Frames that are no GOOSE frame are counted
    /// by reason and dropped, frames the filter does not keep are counted.
    /// </summary>
    public async ValueTask<GooseFrame> ReceiveGooseAsync(Memory<byte> buffer, GooseCaptureFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        while (true)
        {
            var length = await ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (Accept(buffer[..length], filter, out var frame))
            {
                return frame;
            }
        }
    }

    /// <summary>
    /// Blocks until a GOOSE frame that passes <paramref name="filter"/> arrives; returns it, its
    /// APDU a slice of <paramref name="buffer"/>. For a capture thread of its own, which costs
    /// less per frame than <see cref="ReceiveGooseAsync"/> when frames come in bursts.
    /// </summary>
    public GooseFrame ReceiveGoose(Memory<byte> buffer, GooseCaptureFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        while (true)
        {
            var length = _socket.Receive(buffer.Span);
            if (Accept(buffer[..length], filter, out var frame))
            {
                return frame;
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _socket.Dispose();

    private static void SetReceiveBuffer(Socket socket, int size)
    {
        Span<byte> value = stackalloc byte[4];
        BitConverter.TryWriteBytes(value, size);
        try
        {
            socket.SetRawSocketOption(SolSocket, SoRcvBufForce, value);
        }
        catch (SocketException)
        {
            socket.ReceiveBufferSize = size; // capped by net.core.rmem_max
        }
    }

    private bool Accept(Memory<byte> received, GooseCaptureFilter filter, out GooseFrame frame)
    {
        if (!GooseFrameCodec.TryDecode(received, out frame, out var rejection))
        {
            Counters.Reject(rejection);
            return false;
        }

        if (!filter.Matches(frame))
        {
            Counters.FilteredOut++;
            return false;
        }

        Counters.Captured++;
        return true;
    }

    private void AddMembership(ushort type, MacAddress address)
    {
        // struct packet_mreq { int mr_ifindex; unsigned short mr_type; unsigned short mr_alen; unsigned char mr_address[8]; }
        Span<byte> request = stackalloc byte[16];
        request.Clear();
        BitConverter.TryWriteBytes(request, InterfaceIndex);
        BitConverter.TryWriteBytes(request[4..], type);
        BitConverter.TryWriteBytes(request[6..], (ushort)MacAddress.Size);
        address.Write(request[8..]);
        _socket.SetRawSocketOption(SolPacket, PacketAddMembership, request);
    }

    [DllImport("libc", EntryPoint = "if_nametoindex", SetLastError = true)]
    private static extern uint IfNameToIndex([MarshalAs(UnmanagedType.LPStr)] string name);
}

/// <summary>Counts of a <see cref="GooseLinkSocket"/>'s capture.</summary>
public sealed class GooseLinkCounters
{
    private readonly long[] _rejected = new long[Enum.GetValues<GooseFrameRejection>().Length];

    /// <summary>GOOSE frames handed out.</summary>
    public long Captured { get; internal set; }

    /// <summary>GOOSE frames the filter did not keep.</summary>
    public long FilteredOut { get; internal set; }

    /// <summary>Frames that were no GOOSE frame, by <paramref name="reason"/>.</summary>
    public long this[GooseFrameRejection reason] => _rejected[(int)reason];

    internal void Reject(GooseFrameRejection reason) => _rejected[(int)reason]++;
}
