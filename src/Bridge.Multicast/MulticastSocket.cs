using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports.Ip;
using Bridge.Multicast.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bridge.Multicast;

/// <summary>Settings of a <see cref="MulticastSocket"/>.</summary>
public sealed record MulticastSocketOptions
{
    /// <summary>Identifies this sender in every frame; random when not set.</summary>
    public ulong? SourceId { get; init; }

    /// <summary>Settings of the underlying IP sockets.</summary>
    public IpMulticastOptions Ip { get; init; } = new();

    /// <summary>Received messages held for the application before receiving waits for it.</summary>
    public int ReceiveQueueCapacity { get; init; } = 4096;
}

/// <summary>
/// A group socket in the sense of RFC 7046 §5 (createMSocket, join, leave, send, receive), over
/// the native IPv4 technology module: frames messages with <see cref="FrameCodec"/>, numbers them
/// per group, drops and counts malformed datagrams, and delivers the messages of joined groups.
/// </summary>
/// <remarks>
/// One IP socket is opened per group port on the first join of that port, and one unbound socket
/// for sending on the first send. Receiving is one stream for all joined groups; read it with
/// <see cref="ReceiveAsync"/> from one consumer.
/// </remarks>
public sealed partial class MulticastSocket : IGroupSender, IAsyncDisposable
{
    private readonly MulticastSocketOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<int, IpMulticastSocket> _receivers = [];
    private readonly Dictionary<string, GroupName> _joined = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<GroupName, StrongBox<long>> _sequences = new();
    private readonly Channel<GroupMessage> _inbox;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _receiveLoops = [];
    private IpMulticastSocket? _sender;

    private MulticastSocket(MulticastInterface multicastInterface, MulticastSocketOptions options, ILogger logger, TimeProvider time)
    {
        Interface = multicastInterface;
        _options = options;
        _logger = logger;
        _time = time;
        SourceId = options.SourceId ?? unchecked((ulong)Random.Shared.NextInt64(1, long.MaxValue));
        _inbox = Channel.CreateBounded<GroupMessage>(new BoundedChannelOptions(options.ReceiveQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>The source id this socket writes into every frame.</summary>
    public ulong SourceId { get; }

    /// <summary>The interface this socket joins and sends on.</summary>
    public MulticastInterface Interface { get; }

    /// <summary>Sent, received and dropped frames.</summary>
    public MulticastCounters Counters { get; } = new();

    /// <summary>The groups joined now.</summary>
    public IReadOnlyCollection<GroupName> JoinedGroups
    {
        get
        {
            lock (_gate)
            {
                return [.. _joined.Values];
            }
        }
    }

    /// <summary>Creates a socket on <paramref name="multicastInterface"/> (RFC 7046 createMSocket).</summary>
    public static MulticastSocket Create(
        MulticastInterface multicastInterface,
        MulticastSocketOptions? options = null,
        ILogger<MulticastSocket>? logger = null,
        TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(multicastInterface);
        return new MulticastSocket(multicastInterface, options ?? new(), logger ?? (ILogger)NullLogger.Instance, time ?? TimeProvider.System);
    }

    /// <summary>Joins <paramref name="group"/>: its messages appear in <see cref="ReceiveAsync"/>.</summary>
    public void Join(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        var endpoint = IPv4(group);
        lock (_gate)
        {
            if (!_receivers.TryGetValue(endpoint.Port, out var receiver))
            {
                receiver = IpMulticastSocket.Open(endpoint.Port, Interface, _options.Ip);
                _receivers.Add(endpoint.Port, receiver);
                _receiveLoops.Add(ReceiveLoopAsync(receiver, _stopping.Token));
            }

            receiver.Join(endpoint.Address);
            _joined[group.Canonical] = group;
        }

        Log.Joined(_logger, group.Canonical, Interface.Name);
    }

    /// <summary>Leaves <paramref name="group"/>; its messages stop arriving.</summary>
    public void Leave(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var endpoint = IPv4(group);
        lock (_gate)
        {
            if (!_joined.Remove(group.Canonical))
            {
                return;
            }

            // Another joined name may map to the same address and port; keep the membership then.
            var stillNeeded = _joined.Values.Any(g => IPv4(g).Equals(endpoint));
            if (!stillNeeded && _receivers.TryGetValue(endpoint.Port, out var receiver))
            {
                receiver.Leave(endpoint.Address);
            }
        }

        Log.Left(_logger, group.Canonical, Interface.Name);
    }

    /// <summary>Sends one frame carrying <paramref name="payload"/> to <paramref name="group"/>.</summary>
    public async ValueTask SendAsync(GroupName group, ReadOnlyMemory<byte> payload, ContentType contentType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(group);
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        var sender = GetSender();
        var sequence = Interlocked.Increment(ref _sequences.GetOrAdd(group, static _ => new StrongBox<long>()).Value);
        var groupBytes = Encoding.UTF8.GetBytes(group.Canonical);
        var frame = new GridCastFrame
        {
            Type = FrameType.Data,
            ContentType = contentType,
            Group = groupBytes,
            SourceId = SourceId,
            Sequence = (ulong)sequence,
            TimestampMicroseconds = _time.GetUtcNow().ToUnixTimeMilliseconds() * 1000,
            Payload = payload,
        };
        var buffer = new ArrayBufferWriter<byte>(FrameCodec.GetEncodedSize(groupBytes.Length, payload.Length));
        var size = FrameCodec.Encode(frame, buffer);
        await sender.SendAsync(buffer.WrittenMemory, IPv4(group), cancellationToken);
        Counters.OnSent(size);
    }

    /// <summary>The messages of joined groups, in arrival order, until cancelled or disposed.</summary>
    public IAsyncEnumerable<GroupMessage> ReceiveAsync(CancellationToken cancellationToken = default)
        => _inbox.Reader.ReadAllAsync(cancellationToken);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        Task[] loops;
        lock (_gate)
        {
            foreach (var receiver in _receivers.Values)
            {
                receiver.Dispose();
            }

            loops = [.. _receiveLoops];
        }

        await Task.WhenAll(loops);
        _sender?.Dispose();
        _inbox.Writer.TryComplete();
        _stopping.Dispose();
    }

    private static IPEndPoint IPv4(GroupName group)
        => group.Addresses.IPv4 ?? throw new ArgumentException($"group {group} has no IPv4 address", nameof(group));

    private IpMulticastSocket GetSender()
    {
        lock (_gate)
        {
            return _sender ??= IpMulticastSocket.Open(0, Interface, _options.Ip);
        }
    }

    private async Task ReceiveLoopAsync(IpMulticastSocket receiver, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var buffer = new byte[ushort.MaxValue];
        while (!cancellationToken.IsCancellationRequested)
        {
            int length;
            IPEndPoint sender;
            try
            {
                (length, sender) = await receiver.ReceiveAsync(buffer, cancellationToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException || cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (System.Net.Sockets.SocketException ex)
            {
                Log.ReceiveFailed(_logger, receiver.Port, ex.SocketErrorCode.ToString(), ex);
                continue;
            }

            if (!FrameCodec.TryDecodeDatagram(buffer.AsMemory(0, length), out var frame, out var error))
            {
                Counters.OnDropped(error);
                Log.FrameDropped(_logger, sender.ToString(), length, error);
                continue;
            }

            GroupName? group;
            lock (_gate)
            {
                _joined.TryGetValue(Encoding.UTF8.GetString(frame.Group.Span), out group);
            }

            if (group is null)
            {
                Counters.OnNotJoined();
                continue;
            }

            Counters.OnReceived();
            var message = new GroupMessage(
                group,
                frame.Payload.ToArray(),
                frame.ContentType,
                frame.SourceId,
                frame.Sequence,
                DateTimeOffset.FromUnixTimeMilliseconds(frame.TimestampMicroseconds / 1000));
            try
            {
                await _inbox.Writer.WriteAsync(message, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Joined {Group} on {Interface}")]
        public static partial void Joined(ILogger logger, string group, string @interface);

        [LoggerMessage(2, LogLevel.Debug, "Left {Group} on {Interface}")]
        public static partial void Left(ILogger logger, string group, string @interface);

        [LoggerMessage(3, LogLevel.Warning, "Dropped a datagram of {Length} bytes from {Sender}: {Reason}")]
        public static partial void FrameDropped(ILogger logger, string sender, int length, FrameError reason);

        [LoggerMessage(4, LogLevel.Warning, "Receiving on port {Port} failed: {SocketError}")]
        public static partial void ReceiveFailed(ILogger logger, int port, string socketError, Exception exception);
    }
}
