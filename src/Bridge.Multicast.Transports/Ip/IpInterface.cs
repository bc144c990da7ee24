using System.Net;
using System.Net.Sockets;
using Bridge.Multicast.Naming;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bridge.Multicast.Transports.Ip;

/// <summary>
/// The native IP technology module on one network interface: IPv4 and IPv6, any-source and
/// source-specific groups (the source is the instantiation of an <c>ip</c> name), TTL / hop limit,
/// loopback on or off. A name that maps to both families is joined on both the interface has and
/// sent on one (IPv4 first), so receivers hear it whichever family a sender uses.
/// </summary>
public sealed partial class IpInterface : ITechnologyInterface
{
    /// <summary>The technology name in interface ids (<c>ip:eth0</c>).</summary>
    public const string Technology = "ip";

    private const int MaxUdpPayloadIPv4 = 65507;
    private const int MaxUdpPayloadIPv6 = 65527;

    // Group names whose send address is kept; past this many the cache starts again.
    private const int MaxSendTargets = 4096;

    private static readonly AddressFamily[] Families = [AddressFamily.InterNetwork, AddressFamily.InterNetworkV6];

    private readonly IpMulticastOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, GroupName> _joined = new(StringComparer.Ordinal);
    private readonly Dictionary<(AddressFamily Family, int Port), List<IpMulticastSocket>> _receivers = [];
    private readonly Dictionary<(AddressFamily Family, int Port, IPAddress Group, IPAddress? Source), Membership> _memberships = [];
    private readonly Dictionary<AddressFamily, IpMulticastSocket> _senders = [];
    private readonly Dictionary<string, (IpMulticastSocket Sender, SocketAddress Address)> _sendTargets = new(StringComparer.Ordinal);
    private readonly List<Task> _loops = [];
    private readonly CancellationTokenSource _stopping = new();
    private DatagramHandler? _handler;
    private int _timeToLive;

    /// <summary>Creates the module on <paramref name="multicastInterface"/>.</summary>
    public IpInterface(MulticastInterface multicastInterface, IpMulticastOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(multicastInterface);
        Interface = multicastInterface;
        _options = options ?? new IpMulticastOptions();
        _timeToLive = _options.TimeToLive;
        _logger = logger ?? NullLogger.Instance;
        Id = new InterfaceId(Technology, multicastInterface.Name);
        var sizes = new List<int>();
        if (multicastInterface.Supports(AddressFamily.InterNetwork))
        {
            sizes.Add(Math.Min(multicastInterface.Mtu - 28, MaxUdpPayloadIPv4));
        }

        if (multicastInterface.Supports(AddressFamily.InterNetworkV6))
        {
            sizes.Add(Math.Min(multicastInterface.Mtu - 48, MaxUdpPayloadIPv6));
        }

        AtomicMessageSize = sizes.Count > 0 ? sizes.Min() : 0;
    }

    /// <summary>The network interface.</summary>
    public MulticastInterface Interface { get; }

    /// <inheritdoc/>
    public InterfaceId Id { get; }

    /// <inheritdoc/>
    public int AtomicMessageSize { get; }

    /// <inheritdoc/>
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

    /// <inheritdoc/>
    public IReadOnlyCollection<string> Neighbors => [];

    /// <inheritdoc/>
    /// <remarks>Never raised: a host sees no other members' IGMP or MLD reports.</remarks>
    public event Action<ITechnologyInterface, PeerMembership>? PeerMembershipChanged
    {
        add { }
        remove { }
    }

    /// <inheritdoc/>
    public bool CanCarry(GroupName group) => Targets(group).Any();

    /// <inheritdoc/>
    public void Join(GroupName group)
    {
        var targets = RequireTargets(group);
        lock (_gate)
        {
            if (!_joined.TryAdd(group.Canonical, group))
            {
                return;
            }

            foreach (var endpoint in targets)
            {
                var key = (endpoint.AddressFamily, endpoint.Port, endpoint.Address, SourceFor(group, endpoint.AddressFamily));
                _memberships[key] = _memberships.TryGetValue(key, out var membership)
                    ? membership with { Count = membership.Count + 1 }
                    : new Membership(JoinOnSomeReceiver(endpoint, key.Item4), 1);
            }
        }

        Log.Joined(_logger, group.Canonical, Id.ToString());
    }

    /// <inheritdoc/>
    public void Leave(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        lock (_gate)
        {
            if (!_joined.Remove(group.Canonical))
            {
                return;
            }

            foreach (var endpoint in Targets(group))
            {
                var key = (endpoint.AddressFamily, endpoint.Port, endpoint.Address, SourceFor(group, endpoint.AddressFamily));
                if (!_memberships.TryGetValue(key, out var membership))
                {
                    continue;
                }

                if (membership.Count <= 1)
                {
                    _memberships.Remove(key);
                    membership.Receiver.Leave(endpoint.Address, key.Item4);
                }
                else
                {
                    _memberships[key] = membership with { Count = membership.Count - 1 };
                }
            }
        }

        Log.Left(_logger, group.Canonical, Id.ToString());
    }

    /// <inheritdoc/>
    public void SetTimeToLive(int timeToLive)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(timeToLive);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(timeToLive, 255);
        lock (_gate)
        {
            _timeToLive = timeToLive;
            foreach (var sender in _senders.Values)
            {
                sender.SetTimeToLive(timeToLive);
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask SendAsync(GroupName group, ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(group);
        IpMulticastSocket sender;
        SocketAddress address;
        lock (_gate)
        {
            // The target's address is serialized once per group name, not per datagram.
            if (!_sendTargets.TryGetValue(group.Canonical, out var target))
            {
                // One copy per send: IPv4 when the name and the interface both have it, else IPv6.
                var endpoint = RequireTargets(group)[0];
                if (!_senders.TryGetValue(endpoint.AddressFamily, out var opened))
                {
                    opened = IpMulticastSocket.Open(endpoint.AddressFamily, 0, Interface, _options with { TimeToLive = _timeToLive });
                    _senders.Add(endpoint.AddressFamily, opened);
                }

                if (_sendTargets.Count >= MaxSendTargets)
                {
                    _sendTargets.Clear();
                }

                target = (opened, endpoint.Serialize());
                _sendTargets.Add(group.Canonical, target);
            }

            (sender, address) = target;
        }

        await sender.SendAsync(datagram, address, cancellationToken);
    }

    /// <inheritdoc/>
    public void Start(DatagramHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            if (_handler is not null)
            {
                throw new InvalidOperationException($"interface {Id} is already started");
            }

            _handler = handler;
            foreach (var receiver in _receivers.Values.SelectMany(static r => r))
            {
                _loops.Add(ReceiveLoopAsync(receiver, handler, _stopping.Token));
            }
        }
    }

    /// <inheritdoc/>
    public IReadOnlyCollection<string> ChildrenOf(GroupName group) => [];

    /// <inheritdoc/>
    public IReadOnlyCollection<string> ParentsOf(GroupName group) => [];

    /// <inheritdoc/>
    public bool IsDesignatedHost(GroupName group) => false;

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
            foreach (var socket in _receivers.Values.SelectMany(static r => r).Concat(_senders.Values))
            {
                socket.Dispose();
            }

            loops = [.. _loops];
        }

        await Task.WhenAll(loops);
        _stopping.Dispose();
    }

    private static IPAddress? SourceFor(GroupName group, AddressFamily family)
        => group.Addresses.Source is { } source && source.AddressFamily == family ? source : null;

    private IEnumerable<IPEndPoint> Targets(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        // IPv4 first: SendAsync sends on the first target.
        foreach (var family in Families)
        {
            if (group.Addresses.For(family) is { } endpoint && Interface.Supports(family))
            {
                yield return endpoint;
            }
        }
    }

    private List<IPEndPoint> RequireTargets(GroupName group)
    {
        var targets = Targets(group).ToList();
        if (targets.Count == 0)
        {
            var families = string.Join(" and ", new[] { group.Addresses.IPv4 is null ? null : "IPv4", group.Addresses.IPv6 is null ? null : "IPv6" }.OfType<string>());
            throw new ArgumentException($"interface {Id} cannot carry {group}: the name maps to {families}, which {Interface.Name} has no multicast for", nameof(group));
        }

        return targets;
    }

    /// <summary>
    /// Joins on a receiving socket of the endpoint's family and port that has room for one more
    /// membership, opening another when every one is full. Linux limits the groups one socket may
    /// join (<c>net.ipv4.igmp_max_memberships</c>, 20 by default; IPv6 by the socket's option
    /// memory) and refuses the next with ENOBUFS; a gateway that carries more groups on one port
    /// spreads them over several sockets, each hearing only its own groups.
    /// </summary>
    private IpMulticastSocket JoinOnSomeReceiver(IPEndPoint endpoint, IPAddress? source)
    {
        var key = (endpoint.AddressFamily, endpoint.Port);
        if (!_receivers.TryGetValue(key, out var receivers))
        {
            receivers = [];
            _receivers.Add(key, receivers);
        }

        foreach (var receiver in receivers)
        {
            if (TryJoin(receiver, endpoint.Address, source))
            {
                return receiver;
            }
        }

        var fresh = IpMulticastSocket.Open(endpoint.AddressFamily, endpoint.Port, Interface, _options with { TimeToLive = _timeToLive });
        try
        {
            if (!TryJoin(fresh, endpoint.Address, source))
            {
                throw new InvalidOperationException(
                    $"interface {Id} cannot join {endpoint.Address}: the kernel refuses even one membership on a new socket "
                    + "(ENOBUFS; for IPv4 see net.ipv4.igmp_max_memberships, for IPv6 net.core.optmem_max)");
            }
        }
        catch
        {
            fresh.Dispose();
            throw;
        }

        receivers.Add(fresh);
        if (receivers.Count > 1)
        {
            Log.MoreReceivers(_logger, Id.ToString(), endpoint.Port, receivers.Count);
        }

        if (_handler is not null)
        {
            _loops.Add(ReceiveLoopAsync(fresh, _handler, _stopping.Token));
        }

        return fresh;
    }

    private static bool TryJoin(IpMulticastSocket receiver, IPAddress group, IPAddress? source)
    {
        try
        {
            receiver.Join(group, source);
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.NoBufferSpaceAvailable)
        {
            return false;
        }
    }

    private async Task ReceiveLoopAsync(IpMulticastSocket receiver, DatagramHandler handler, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var buffer = new byte[ushort.MaxValue];
        var address = new SocketAddress(receiver.Family);
        var senders = new SenderCache(receiver.Family);
        while (!cancellationToken.IsCancellationRequested)
        {
            int length;
            try
            {
                length = await receiver.ReceiveAsync(buffer, address, cancellationToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException || cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex)
            {
                // An ICMP error or a full buffer surfaces here; the socket keeps working.
                Log.ReceiveFailed(_logger, Id.ToString(), receiver.Port, ex.SocketErrorCode.ToString());
                continue;
            }

            try
            {
                // No draining with non-blocking receives after a wake-up (.NET has no recvmmsg):
                // an asynchronous receive already completes at once, with one system call, when a
                // datagram is queued, and checking for more first (FIONREAD) only added a system
                // call per datagram (docs/benchmarks.md, issue 19).
                await handler(this, buffer.AsMemory(0, length), senders.EndPointOf(address));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// The sender of the last datagram as an <see cref="IPEndPoint"/>, made again only when the
    /// address changes: a steady stream from one sender costs no endpoint per datagram.
    /// </summary>
    private sealed class SenderCache(AddressFamily family)
    {
        private readonly SocketAddress _last = new(family);
        private readonly IPEndPoint _template = new(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        private IPEndPoint? _endpoint;

        public IPEndPoint EndPointOf(SocketAddress address)
        {
            if (_endpoint is null || !address.Equals(_last))
            {
                _endpoint = (IPEndPoint)_template.Create(address);
                address.Buffer.Span[..address.Size].CopyTo(_last.Buffer.Span);
                _last.Size = address.Size;
            }

            return _endpoint;
        }
    }

    /// <summary>A joined (group, source) of one port: the socket that holds the kernel membership, and how many joined names map to it.</summary>
    private readonly record struct Membership(IpMulticastSocket Receiver, int Count);

    private static partial class Log
    {
        [LoggerMessage(11, LogLevel.Debug, "Joined {Group} on {Interface}")]
        public static partial void Joined(ILogger logger, string group, string @interface);

        [LoggerMessage(12, LogLevel.Debug, "Left {Group} on {Interface}")]
        public static partial void Left(ILogger logger, string group, string @interface);

        [LoggerMessage(13, LogLevel.Warning, "Receiving on {Interface} port {Port} failed: {SocketError}")]
        public static partial void ReceiveFailed(ILogger logger, string @interface, int port, string socketError);

        [LoggerMessage(14, LogLevel.Debug, "{Interface} port {Port}: a socket's group memberships are full; {Count} sockets share the port's groups")]
        public static partial void MoreReceivers(ILogger logger, string @interface, int port, int count);
    }
}
