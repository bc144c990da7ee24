using System.Threading.Channels;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Transports.Overlay;

/// <summary>
/// The overlay as a technology module of a <see cref="MulticastSocket"/> on a gateway host: what
/// the socket sends enters the overlay at this gateway, the socket receives what the gateway
/// carries into its domain for the groups it joined, and the RFC 7046 §5.3 service calls answer
/// from the gateway's state (neighborSet: overlay peers; childrenSet and parentSet: the group's
/// tree; designatedHost: the election).
/// </summary>
/// <remarks>
/// Only groups the gateway carries pass (<see cref="CanCarry"/>). The overlay has no hop limit of
/// its own: the gateways' trees decide how far a frame goes, so <see cref="SetTimeToLive"/> keeps
/// the value for nothing but the domain side, which the gateway sends on with its own settings.
/// </remarks>
public sealed class OverlayInterface : ITechnologyInterface
{
    /// <summary>The technology name in <see cref="InterfaceId"/>.</summary>
    public const string Technology = "overlay";

    private readonly GatewayNode _node;
    private readonly HashSet<GroupName> _joined = [];
    private readonly HashSet<GroupName> _carried;
    private readonly Channel<(GroupName Group, ReadOnlyMemory<byte> Frame)> _received =
        Channel.CreateBounded<(GroupName, ReadOnlyMemory<byte>)>(new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private readonly CancellationTokenSource _stopping = new();
    private Task? _pump;

    /// <summary>An interface onto <paramref name="node"/>, which its owner starts and disposes.</summary>
    public OverlayInterface(GatewayNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        _node = node;
        _carried = [.. node.Carried];
        Id = new InterfaceId(Technology, node.Id.Value);
    }

    /// <inheritdoc/>
    public InterfaceId Id { get; }

    /// <inheritdoc/>
    public int AtomicMessageSize => FrameCodec.DefaultMaxFrameSize;

    /// <inheritdoc/>
    public IReadOnlyCollection<GroupName> JoinedGroups
    {
        get
        {
            lock (_joined)
            {
                return [.. _joined];
            }
        }
    }

    /// <inheritdoc/>
    public IReadOnlyCollection<string> Neighbors => [.. _node.State.Neighbors.Select(static n => n.Value)];

    /// <summary>Never raised: members of other domains are not seen one by one, only gateways' interest.</summary>
    public event Action<ITechnologyInterface, PeerMembership>? PeerMembershipChanged
    {
        add { }
        remove { }
    }

    /// <inheritdoc/>
    public bool CanCarry(GroupName group) => _carried.Contains(group);

    /// <inheritdoc/>
    public void Join(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        lock (_joined)
        {
            _joined.Add(group);
        }
    }

    /// <inheritdoc/>
    public void Leave(GroupName group)
    {
        ArgumentNullException.ThrowIfNull(group);
        lock (_joined)
        {
            _joined.Remove(group);
        }
    }

    /// <inheritdoc/>
    public void SetTimeToLive(int timeToLive) => ArgumentOutOfRangeException.ThrowIfNegativeOrZero(timeToLive);

    /// <inheritdoc/>
    public ValueTask SendAsync(GroupName group, ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (!CanCarry(group))
        {
            throw new InvalidOperationException($"gateway {_node.Id} does not carry {group}");
        }

        return _node.InjectAsync(datagram, cancellationToken);
    }

    /// <inheritdoc/>
    public void Start(DatagramHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (_pump is not null)
        {
            throw new InvalidOperationException("the overlay interface is started already");
        }

        _node.DeliveredToDomain += OnDelivered;
        _pump = PumpAsync(handler, _stopping.Token);
    }

    /// <inheritdoc/>
    public IReadOnlyCollection<string> ChildrenOf(GroupName group) =>
        _node.State.Children.TryGetValue(group, out var children) ? [.. children.Select(static c => c.Value)] : [];

    /// <inheritdoc/>
    public IReadOnlyCollection<string> ParentsOf(GroupName group) =>
        _node.State.Parents.TryGetValue(group, out var parents) ? [.. parents.Select(static p => p.Value)] : [];

    /// <inheritdoc/>
    public bool IsDesignatedHost(GroupName group) => _node.State.Designated.Contains(group);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _node.DeliveredToDomain -= OnDelivered;
        _received.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_pump is not null)
        {
            try
            {
                await _pump.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
        }

        _stopping.Dispose();
    }

    private void OnDelivered(GroupName group, ReadOnlyMemory<byte> frame)
    {
        bool joined;
        lock (_joined)
        {
            joined = _joined.Contains(group);
        }

        if (joined)
        {
            _received.Writer.TryWrite((group, frame));
        }
    }

    private async Task PumpAsync(DatagramHandler handler, CancellationToken cancellationToken)
    {
        await foreach (var (_, frame) in _received.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            await handler(this, frame, null).ConfigureAwait(false);
        }
    }
}
