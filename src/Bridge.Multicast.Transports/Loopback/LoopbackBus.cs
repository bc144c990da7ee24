using System.Threading.Channels;
using Bridge.Multicast.Naming;

namespace Bridge.Multicast.Transports.Loopback;

/// <summary>
/// The in-process technology module: a bus that carries datagrams between the interfaces attached
/// to it, within one process, for tests and for embedding GridCast in an application. Every
/// interface joined to a group gets its own copy of what any interface sends to that group,
/// the sender's included unless it turned loopback off. Being one process, the bus sees every
/// member, so it reports joins and leaves of the others as membership changes.
/// </summary>
public sealed class LoopbackBus
{
    /// <summary>The technology name in interface ids (<c>loopback:NAME</c>).</summary>
    public const string Technology = "loopback";

    private readonly Lock _gate = new();
    private readonly List<LoopbackInterface> _attached = [];

    /// <summary>Creates a bus whose interfaces carry datagrams up to <paramref name="atomicMessageSize"/> bytes.</summary>
    public LoopbackBus(int atomicMessageSize = 65507)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(atomicMessageSize, 64);
        AtomicMessageSize = atomicMessageSize;
    }

    /// <summary>The largest datagram the bus carries.</summary>
    public int AtomicMessageSize { get; }

    /// <summary>Attaches a new interface named <paramref name="name"/>.</summary>
    public LoopbackInterface Attach(string name, bool loopback = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        lock (_gate)
        {
            if (_attached.Any(i => i.Id.Name == name))
            {
                throw new ArgumentException($"an interface named '{name}' is already on this bus", nameof(name));
            }

            var attached = new LoopbackInterface(this, name, loopback);
            _attached.Add(attached);
            return attached;
        }
    }

    internal void Detach(LoopbackInterface detached)
    {
        lock (_gate)
        {
            _attached.Remove(detached);
        }
    }

    internal IReadOnlyCollection<string> NeighborsOf(LoopbackInterface member)
    {
        lock (_gate)
        {
            return [.. _attached.Where(i => i != member).Select(i => i.Id.Name)];
        }
    }

    internal IReadOnlyList<LoopbackInterface> Members(GroupName group)
    {
        lock (_gate)
        {
            return [.. _attached.Where(i => i.IsJoined(group))];
        }
    }

    internal void Deliver(LoopbackInterface sender, GroupName group, ReadOnlyMemory<byte> datagram)
    {
        if (datagram.Length > AtomicMessageSize)
        {
            throw new ArgumentException($"datagram of {datagram.Length} bytes exceeds the bus's {AtomicMessageSize}", nameof(datagram));
        }

        foreach (var member in Members(group))
        {
            if (member != sender || sender.Loopback)
            {
                member.Enqueue(datagram.ToArray(), sender.Id.Name);
            }
        }
    }

    internal void AnnounceMembership(LoopbackInterface changed, GroupName group, bool joined)
    {
        LoopbackInterface[] others;
        lock (_gate)
        {
            others = [.. _attached.Where(i => i != changed)];
        }

        foreach (var other in others)
        {
            other.OnPeerMembership(changed.Id.Name, group, joined);
        }
    }
}

/// <summary>One interface on a <see cref="LoopbackBus"/>.</summary>
public sealed class LoopbackInterface : ITechnologyInterface
{
    private readonly LoopbackBus _bus;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, GroupName> _joined = new(StringComparer.Ordinal);
    private readonly Channel<(byte[] Datagram, string From)> _inbox = Channel.CreateUnbounded<(byte[], string)>(new() { SingleReader = true });
    private Task _pump = Task.CompletedTask;

    internal LoopbackInterface(LoopbackBus bus, string name, bool loopback)
    {
        _bus = bus;
        Loopback = loopback;
        Id = new InterfaceId(LoopbackBus.Technology, name);
    }

    /// <inheritdoc/>
    public InterfaceId Id { get; }

    /// <summary>Whether this interface hears its own sends.</summary>
    public bool Loopback { get; }

    /// <inheritdoc/>
    public int AtomicMessageSize => _bus.AtomicMessageSize;

    /// <inheritdoc/>
    public event Action<ITechnologyInterface, PeerMembership>? PeerMembershipChanged;

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

    /// <summary>The other interfaces of the bus, by name.</summary>
    public IReadOnlyCollection<string> Neighbors => _bus.NeighborsOf(this);

    /// <inheritdoc/>
    public bool CanCarry(GroupName group) => group is not null;

    /// <inheritdoc/>
    public void Join(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        bool added;
        lock (_gate)
        {
            added = _joined.TryAdd(group.WireName, group);
        }

        if (added)
        {
            _bus.AnnounceMembership(this, group, joined: true);
        }
    }

    /// <inheritdoc/>
    public void Leave(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        bool removed;
        lock (_gate)
        {
            removed = _joined.Remove(group.WireName);
        }

        if (removed)
        {
            _bus.AnnounceMembership(this, group, joined: false);
        }
    }

    /// <inheritdoc/>
    public void SetTimeToLive(int timeToLive) => ArgumentOutOfRangeException.ThrowIfNegative(timeToLive);

    /// <inheritdoc/>
    public ValueTask SendAsync(GroupName group, ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(group);
        cancellationToken.ThrowIfCancellationRequested();
        _bus.Deliver(this, group, datagram);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public void Start(DatagramHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            if (!_pump.IsCompleted)
            {
                throw new InvalidOperationException($"interface {Id} is already started");
            }

            _pump = PumpAsync(handler);
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
        foreach (var group in JoinedGroups)
        {
            Leave(group);
        }

        _bus.Detach(this);
        _inbox.Writer.TryComplete();
        await _pump;
    }

    internal bool IsJoined(GroupName group)
    {
        lock (_gate)
        {
            return _joined.ContainsKey(group.WireName);
        }
    }

    internal void Enqueue(byte[] datagram, string from) => _inbox.Writer.TryWrite((datagram, from));

    internal void OnPeerMembership(string peer, GroupName group, bool joined)
        => PeerMembershipChanged?.Invoke(this, new PeerMembership(peer, group, joined));

    private async Task PumpAsync(DatagramHandler handler)
    {
        await Task.Yield();
        await foreach (var (datagram, _) in _inbox.Reader.ReadAllAsync())
        {
            try
            {
                await handler(this, datagram, null);
            }
            catch (OperationCanceledException)
            {
                // The socket above is closing; the bus goes on for the other interfaces.
            }
        }
    }
}
