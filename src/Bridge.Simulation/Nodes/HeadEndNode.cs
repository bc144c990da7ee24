using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Endpoint;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;

namespace Bridge.Simulation.Nodes;

/// <summary>
/// The head-end on a <see cref="Simulator"/>: a <see cref="GroupEndpoint"/> that publishes Data
/// frames and is the source of requests, with the source's <see cref="RequestAggregator"/>
/// driven as <c>MulticastSocket.RequestAsync</c> drives it (no parent, no expected children, open
/// to the partials of its domain's gateways, no known members). Counts every reverse-channel frame
/// that reaches it, which is the head-end's load per round.
/// </summary>
/// <remarks>
/// Give it commands (<see cref="Request"/>, <see cref="Publish"/>) inside
/// <see cref="Simulator.Invoke"/> or <see cref="Simulator.Schedule(TimeSpan, NodeId, string, Action{TimeSpan})"/>
/// so that the simulator polls it afterwards.
/// </remarks>
public sealed class HeadEndNode : ISimulatedNode
{
    private readonly DomainId _domain;
    private readonly List<(TimeSpan At, AggregationCompleted Result)> _results = [];
    private readonly List<(TimeSpan At, AggregationEvent Event)> _events = [];
    private readonly HashSet<GroupName> _listening = [];
    private TimeSpan _now;

    /// <summary>A head-end with source id <paramref name="sourceId"/> on <paramref name="domain"/>.</summary>
    public HeadEndNode(DomainId domain, ulong sourceId, AggregatorOptions? aggregation = null)
    {
        _domain = domain;
        Endpoint = new GroupEndpoint(new GroupEndpointOptions { SourceId = sourceId });
        Aggregator = new RequestAggregator(aggregation ?? new AggregatorOptions());
    }

    /// <summary>The endpoint that sends and hears the frames.</summary>
    public GroupEndpoint Endpoint { get; }

    /// <summary>The source's aggregator.</summary>
    public RequestAggregator Aggregator { get; }

    /// <summary>The head-end's source id.</summary>
    public ulong SourceId => Endpoint.SourceId;

    /// <summary>Final results, with the virtual time each was raised at.</summary>
    public IReadOnlyList<(TimeSpan At, AggregationCompleted Result)> Results => _results;

    /// <summary>Every other aggregation event (late counts, rejected input).</summary>
    public IReadOnlyList<(TimeSpan At, AggregationEvent Event)> OtherEvents => _events;

    /// <summary>Reply frames that reached this node (one per device of its own domain, per request).</summary>
    public long ReplyFramesReceived { get; private set; }

    /// <summary>PartialAggregate frames that reached this node (one per gateway of its domain, per request).</summary>
    public long PartialFramesReceived { get; private set; }

    /// <summary>Replies and partials for requests this node does not hold.</summary>
    public long ForOthers { get; private set; }

    /// <summary>The result of <paramref name="requestId"/>, or null while it has not come.</summary>
    public AggregationCompleted? ResultOf(ulong requestId)
        => _results.FirstOrDefault(r => r.Result.Result.RequestId == requestId).Result;

    /// <summary>When the result of <paramref name="requestId"/> came, or null.</summary>
    public TimeSpan? ResultTimeOf(ulong requestId)
        => _results.Where(r => r.Result.Result.RequestId == requestId).Select(r => (TimeSpan?)r.At).FirstOrDefault();

    /// <summary>Asks <paramref name="group"/>: takes the request into the aggregator and sends the Request frame into the domain.</summary>
    public void Request(TimeSpan now, GroupName group, AggregationRequest request)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(request);
        _now = now;
        if (!Aggregator.HandleRequest(now, request, parent: null, expectedChildren: [], knownMembers: null, openChildren: true))
        {
            throw new InvalidOperationException($"the head-end's aggregator refused request {request.RequestId}");
        }

        if (_listening.Add(group))
        {
            Endpoint.ListenForReplies(group);
        }

        while (Aggregator.TryPollForward(out var forward))
        {
            Endpoint.SendRequest(now, (long)now.TotalMicroseconds, group, forward);
        }

        Drain();
    }

    /// <summary>Publishes a Data message of <paramref name="group"/> into the domain (a tariff).</summary>
    public void Publish(TimeSpan now, GroupName group, ReadOnlyMemory<byte> payload)
    {
        _now = now;
        Endpoint.Send(now, (long)now.TotalMicroseconds, group, payload, ContentType.Raw);
        Drain();
    }

    /// <inheritdoc/>
    public void HandleDatagram(TimeSpan now, NodeId from, ReadOnlyMemory<byte> datagram)
    {
        _now = now;
        if (FrameCodec.TryDecodeDatagram(datagram, out var frame, out _))
        {
            if (frame.Type == FrameType.Reply)
            {
                ReplyFramesReceived++;
            }
            else if (frame.Type == FrameType.PartialAggregate)
            {
                PartialFramesReceived++;
            }
        }

        Endpoint.HandleDatagram(now, datagram);
        Drain();
    }

    /// <inheritdoc/>
    public void HandleTimeout(TimeSpan now)
    {
        _now = now;
        if (Endpoint.PollTimeout() is { } endpointDue && endpointDue <= now)
        {
            Endpoint.HandleTimeout(now);
        }

        if (Aggregator.PollTimeout() is { } aggregatorDue && aggregatorDue <= now)
        {
            Aggregator.HandleTimeout(now);
        }

        Drain();
    }

    /// <inheritdoc/>
    public bool TryPollTransmit(out SimTransmit transmit)
    {
        if (Endpoint.TryPollTransmit(out var next))
        {
            transmit = SimTransmit.ToDomain(_domain, next.Datagram);
            return true;
        }

        transmit = default;
        return false;
    }

    /// <inheritdoc/>
    public TimeSpan? PollTimeout()
    {
        var endpoint = Endpoint.PollTimeout();
        var aggregator = Aggregator.PollTimeout();
        return endpoint is null ? aggregator : aggregator is null ? endpoint : endpoint < aggregator ? endpoint : aggregator;
    }

    private void Drain()
    {
        while (Endpoint.TryPollEvent(out var e))
        {
            switch (e)
            {
                case ReplyReceived reply when Aggregator.IsHeld(reply.Reply.RequestId):
                    Aggregator.HandleReply(_now, reply.Reply);
                    break;
                case PartialReceived fromGateway when Aggregator.IsHeld(fromGateway.Partial.RequestId):
                    Aggregator.HandlePartial(_now, DomainPartials.ChildOf(fromGateway.SourceId), fromGateway.Partial);
                    break;
                case ReplyReceived or PartialReceived:
                    ForOthers++;
                    break;
            }
        }

        while (Aggregator.TryPollEvent(out var e))
        {
            if (e is AggregationCompleted completed)
            {
                _results.Add((_now, completed));
            }
            else
            {
                _events.Add((_now, e));
            }
        }

        // The source has no parent: nothing goes up.
        while (Aggregator.TryPollPartial(out _))
        {
        }
    }
}
