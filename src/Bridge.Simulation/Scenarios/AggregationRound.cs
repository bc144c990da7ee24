namespace Bridge.Simulation.Scenarios;

/// <summary>
/// One request of a <see cref="UtilityGrid"/>'s head-end (<see cref="UtilityGrid.Ask"/>): when it
/// was asked and due, and, once <see cref="UtilityGrid.DriveUntilResult"/> has returned, when the
/// result came and what the round cost the head-end and the overlay.
/// </summary>
public sealed class AggregationRound
{
    private readonly UtilityGrid _grid;
    private readonly long _partialsAtStart;
    private readonly long _repliesAtStart;
    private readonly long _overlayAtStart;

    internal AggregationRound(UtilityGrid grid, ulong requestId, TimeSpan askedAt, TimeSpan budget)
    {
        _grid = grid;
        RequestId = requestId;
        AskedAt = askedAt;
        Deadline = askedAt + budget;
        _partialsAtStart = grid.HeadEnd.PartialFramesReceived;
        _repliesAtStart = grid.HeadEnd.ReplyFramesReceived;
        _overlayAtStart = grid.PartialsToPeers();
    }

    /// <summary>The request's id.</summary>
    public ulong RequestId { get; }

    /// <summary>When the head-end asked.</summary>
    public TimeSpan AskedAt { get; }

    /// <summary>When the result is due: the time asked plus the budget.</summary>
    public TimeSpan Deadline { get; }

    /// <summary>When the head-end's aggregator raised the result; null before.</summary>
    public TimeSpan? ResultAt { get; private set; }

    /// <summary>PartialAggregate frames that reached the head-end's node from the request to the result.</summary>
    public long PartialFramesAtHeadEnd { get; private set; }

    /// <summary>Reply frames that reached the head-end's node from the request to the result (devices of its own domain).</summary>
    public long ReplyFramesAtHeadEnd { get; private set; }

    /// <summary>PartialAggregate frames sent over overlay links from the request to the result.</summary>
    public long PartialsOverOverlay { get; private set; }

    internal void Finish()
    {
        ResultAt = _grid.HeadEnd.ResultTimeOf(RequestId);
        PartialFramesAtHeadEnd = _grid.HeadEnd.PartialFramesReceived - _partialsAtStart;
        ReplyFramesAtHeadEnd = _grid.HeadEnd.ReplyFramesReceived - _repliesAtStart;
        PartialsOverOverlay = _grid.PartialsToPeers() - _overlayAtStart;
    }
}
