using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Naming;
using Bridge.Simulation.Nodes;

namespace Bridge.Simulation.Scenarios;

/// <summary>
/// One request of a head-end (<see cref="UtilityGrid.Ask"/>, or <see cref="Ask"/> for any world
/// with a <see cref="HeadEndNode"/>): when it was asked and due, and, once
/// <see cref="DriveUntilResult"/> has returned, when the result came and what the round cost the
/// head-end and the overlay.
/// </summary>
public sealed class AggregationRound
{
    private readonly Simulator _sim;
    private readonly HeadEndNode _headEnd;
    private readonly Func<long> _partialsToPeers;
    private readonly long _partialsAtStart;
    private readonly long _repliesAtStart;
    private readonly long _overlayAtStart;

    internal AggregationRound(UtilityGrid grid, ulong requestId, TimeSpan askedAt, TimeSpan budget)
        : this(grid.Sim, grid.HeadEnd, grid.PartialsToPeers, requestId, askedAt, budget)
    {
    }

    private AggregationRound(Simulator sim, HeadEndNode headEnd, Func<long> partialsToPeers, ulong requestId, TimeSpan askedAt, TimeSpan budget)
    {
        _sim = sim;
        _headEnd = headEnd;
        _partialsToPeers = partialsToPeers;
        RequestId = requestId;
        AskedAt = askedAt;
        Deadline = askedAt + budget;
        _partialsAtStart = headEnd.PartialFramesReceived;
        _repliesAtStart = headEnd.ReplyFramesReceived;
        _overlayAtStart = partialsToPeers();
    }

    /// <summary>The simulator the round runs on.</summary>
    internal Simulator Simulator => _sim;

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

    /// <summary>Every reverse-channel frame that reached the head-end in the round: its load per aggregated round.</summary>
    public long FramesAtHeadEnd => PartialFramesAtHeadEnd + ReplyFramesAtHeadEnd;

    /// <summary>PartialAggregate frames sent over overlay links from the request to the result.</summary>
    public long PartialsOverOverlay { get; private set; }

    /// <summary>
    /// The head-end on node <paramref name="headEndNode"/> asks <paramref name="group"/> now, with a
    /// request id drawn from the simulator's random source; the round counts what reaches the
    /// head-end from here on. <paramref name="partialsToPeers"/> gives the PartialAggregate frames
    /// all gateways have sent over overlay links so far (<see cref="PartialsOverOverlay"/> stays 0 without it).
    /// </summary>
    public static AggregationRound Ask(Simulator sim, NodeId headEndNode, HeadEndNode headEnd, GroupName group, AggregationSpec spec, TimeSpan budget, Func<long>? partialsToPeers = null)
    {
        ArgumentNullException.ThrowIfNull(sim);
        ArgumentNullException.ThrowIfNull(headEnd);
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(spec);
        var request = new AggregationRequest((ulong)sim.Random.NextInt64(1, long.MaxValue), spec, budget);
        var round = new AggregationRound(sim, headEnd, partialsToPeers ?? (() => 0), request.RequestId, sim.Now, budget);
        sim.Invoke(headEndNode, now => headEnd.Request(now, group, request));
        return round;
    }

    /// <summary>Drives until the head-end has this round's result (failing with the seed one second past its deadline); returns it.</summary>
    public AggregationCompleted DriveUntilResult()
    {
        _sim.DriveUntil(() => _headEnd.ResultOf(RequestId) is not null, Deadline - _sim.Now + TimeSpan.FromSeconds(1), $"the result of request {RequestId}", TimeSpan.FromMilliseconds(1));
        Finish();
        return _headEnd.ResultOf(RequestId)!;
    }

    private void Finish()
    {
        ResultAt = _headEnd.ResultTimeOf(RequestId);
        PartialFramesAtHeadEnd = _headEnd.PartialFramesReceived - _partialsAtStart;
        ReplyFramesAtHeadEnd = _headEnd.ReplyFramesReceived - _repliesAtStart;
        PartialsOverOverlay = _partialsToPeers() - _overlayAtStart;
    }
}
