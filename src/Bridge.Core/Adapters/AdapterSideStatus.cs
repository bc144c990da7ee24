namespace Bridge.Core.Adapters;

/// <summary>
/// What a running adapter side has done since it started, and whether it reaches its peer now:
/// the side's counters as one value, read from any thread (metrics, health). A side counts with
/// <see cref="Interlocked"/> on the threads its library calls it on and copies the counts into a
/// new value when asked, so a reader never sees a value being written.
/// </summary>
public sealed record AdapterSideStatus
{
    /// <summary>Whether the side reaches its peer now: connected to its broker, or listening.</summary>
    public required bool Connected { get; init; }

    /// <summary>Whom the side talks to, for people (<c>mqtt://10.0.0.5:1883</c>, <c>listening on 127.0.0.1:1883</c>); no credentials.</summary>
    public required string Peer { get; init; }

    /// <summary>Messages received from the peer (publishes, deliveries), before routing.</summary>
    public long Received { get; init; }

    /// <summary>Messages from groups published to the peer.</summary>
    public long Published { get; init; }

    /// <summary>Received messages acknowledged to the peer after the hand-off to the groups.</summary>
    public long Acknowledged { get; init; }

    /// <summary>Connections made again after a loss.</summary>
    public long Reconnects { get; init; }

    /// <summary>
    /// Received messages dropped or refused, by reason in snake_case (<c>echo</c>, <c>malformed</c>,
    /// <c>unroutable</c>, <c>route_failed</c>); the reasons a side never counts are absent.
    /// </summary>
    public IReadOnlyDictionary<string, long> Dropped { get; init; } = new Dictionary<string, long>();
}
