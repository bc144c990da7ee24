using Bridge.Multicast.Fragmentation;
using Bridge.Multicast.Security.ControlPlane;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Endpoint;

/// <summary>Settings of a <see cref="GroupEndpoint"/>.</summary>
public sealed record GroupEndpointOptions
{
    /// <summary>The smallest <see cref="AtomicMessageSize"/>: a header, a one-byte name and one byte of payload.</summary>
    public const int MinAtomicMessageSize = FrameCodec.MinFrameSize + 1;

    /// <summary>The largest <see cref="DuplicateWindow"/>.</summary>
    public const int MaxDuplicateWindow = 1 << 20;

    /// <summary>Identifies this sender in every frame it sends; the driver picks it (at random, once per start).</summary>
    public required ulong SourceId { get; init; }

    /// <summary>
    /// The largest datagram sent whole by default: 1472, the UDP payload of a 1500-byte Ethernet
    /// frame over IPv4. Larger messages are fragmented to fit.
    /// </summary>
    public int AtomicMessageSize { get; init; } = 1472;

    /// <summary>Bounds of the reassembly of fragmented messages.</summary>
    public ReassemblyOptions Reassembly { get; init; } = new();

    /// <summary>
    /// How many sequence numbers back from the newest one delivered, per group and source, a
    /// receiver remembers to suppress duplicates. Older messages are dropped as too old.
    /// </summary>
    public int DuplicateWindow { get; init; } = 1024;

    /// <summary>
    /// The domain's control-plane key (<see cref="ControlPlaneKeys.Domain"/>; the overlay ring is not
    /// used here): requests and replies are tagged with it, and requests, replies and partials
    /// without a valid tag are refused (docs/security.md, "Control plane"). Null leaves them
    /// untagged and unchecked.
    /// </summary>
    public ControlPlaneKeys? ControlKeys { get; init; }

    /// <summary>
    /// Where the random back-off of NACKs in reliable groups comes from: the driver hands one in
    /// (the simulator a seeded one), since protocol logic draws no randomness of its own. Needed
    /// only once a group is made reliable.
    /// </summary>
    public Random? Random { get; init; }

    /// <summary>Throws when a setting is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    /// <exception cref="ArgumentNullException"><see cref="Reassembly"/> is null.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(AtomicMessageSize, MinAtomicMessageSize, nameof(AtomicMessageSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(AtomicMessageSize, FrameCodec.DefaultMaxFrameSize, nameof(AtomicMessageSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(DuplicateWindow, 1, nameof(DuplicateWindow));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(DuplicateWindow, MaxDuplicateWindow, nameof(DuplicateWindow));
        ArgumentNullException.ThrowIfNull(Reassembly, nameof(Reassembly));
        Reassembly.Validate();
    }
}
