using System.Buffers.Binary;
using System.Net;
using BenchmarkDotNet.Attributes;
using Bridge.Multicast;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports;
using Bridge.Multicast.Wire;

namespace Bridge.Benchmarks;

/// <summary>
/// Cost of one received datagram from a technology interface to the application through a
/// <see cref="MulticastSocket"/>, without the kernel: a stand-in interface hands the socket the
/// same one-datagram Data frame (its sequence number rewritten in place each time, so it is never
/// a duplicate) and the message is taken out again, through <see cref="MulticastSocket.ReceiveAsync"/>
/// (owned <see cref="GroupMessage"/>s) or <see cref="MulticastSocket.TryReceive"/> (pooled payloads).
/// </summary>
/// <remarks>BenchmarkDotNet derives a runner from this class, so it stays public and unsealed.</remarks>
[MemoryDiagnoser]
public class ReceivePathBenchmarks : IDisposable
{
    // The sequence number's place in the header (docs/wire-format.md), which no checksum covers.
    private const int SequenceOffset = 20;
    private static readonly GroupName Group = GroupName.Parse("ham:ip:239.192.0.7:5000");
    private static readonly IPEndPoint From = new(IPAddress.Loopback, 40000);

    private StandInInterface _interface = null!;
    private MulticastSocket _socket = null!;
    private IAsyncEnumerator<GroupMessage> _messages = null!;
    private byte[] _datagram = [];
    private ulong _sequence;

    /// <summary>Application payload bytes per message.</summary>
    [Params(100, 1000)]
    public int PayloadSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var frame = new GridCastFrame
        {
            Type = FrameType.Data,
            ContentType = ContentType.Raw,
            Group = System.Text.Encoding.UTF8.GetBytes(Group.WireName),
            SourceId = 0x0123_4567_89AB_CDEF,
            Sequence = 1,
            TimestampMicroseconds = 1_700_000_000_000_000,
            Payload = new byte[PayloadSize],
        };
        _datagram = new byte[FrameCodec.GetEncodedSize(frame)];
        FrameCodec.Encode(frame, _datagram);
        _interface = new StandInInterface();
        _socket = MulticastSocket.Create([_interface], new MulticastSocketOptions { SourceId = 7 });
        _socket.Join(Group);
        _messages = _socket.ReceiveAsync().GetAsyncEnumerator();

        // The first message of a source also raises NewSource; after it, every message is the steady state.
        if (ThroughReceiveAsync() != PayloadSize || ThroughReceiveAsync() != PayloadSize)
        {
            throw new InvalidOperationException("the message did not arrive whole");
        }
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _messages.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _socket.DisposeAsync().AsTask().GetAwaiter().GetResult();
        GC.SuppressFinalize(this);
    }

    /// <summary>The datagram in, the message out as an owned <see cref="GroupMessage"/>.</summary>
    [Benchmark(Baseline = true)]
    public int ThroughReceiveAsync()
    {
        Hand();
        var next = _messages.MoveNextAsync();
        if (!next.IsCompletedSuccessfully || !next.Result)
        {
            throw new InvalidOperationException("the message was not delivered at once");
        }

        return _messages.Current.Payload.Length;
    }

    /// <summary>The datagram in, the message out with its payload in a pooled buffer, given back.</summary>
    [Benchmark]
    public int ThroughTryReceive()
    {
        Hand();
        if (!_socket.TryReceive(out var message))
        {
            throw new InvalidOperationException("the message was not delivered at once");
        }

        using (message)
        {
            return message.Payload.Length;
        }
    }

    private void Hand()
    {
        BinaryPrimitives.WriteUInt64BigEndian(_datagram.AsSpan(SequenceOffset), ++_sequence);
        var handled = _interface.Handler!(_interface, _datagram, From);
        if (!handled.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("the socket waited for room in its inbox");
        }
    }

    /// <summary>An interface that only keeps the socket's handler, so the benchmark can call it.</summary>
    private sealed class StandInInterface : ITechnologyInterface
    {
        private readonly List<GroupName> _joined = [];

        public event Action<ITechnologyInterface, PeerMembership>? PeerMembershipChanged
        {
            add { }
            remove { }
        }

        public DatagramHandler? Handler { get; private set; }

        public InterfaceId Id { get; } = new("bench", "stand-in");

        public int AtomicMessageSize => 1472;

        public IReadOnlyCollection<GroupName> JoinedGroups => _joined;

        public IReadOnlyCollection<string> Neighbors => [];

        public bool CanCarry(GroupName group) => true;

        public void Join(GroupName group) => _joined.Add(group);

        public void Leave(GroupName group) => _joined.Remove(group);

        public void SetTimeToLive(int timeToLive)
        {
        }

        public ValueTask SendAsync(GroupName group, ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public void Start(DatagramHandler handler) => Handler = handler;

        public IReadOnlyCollection<string> ChildrenOf(GroupName group) => [];

        public IReadOnlyCollection<string> ParentsOf(GroupName group) => [];

        public bool IsDesignatedHost(GroupName group) => false;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
