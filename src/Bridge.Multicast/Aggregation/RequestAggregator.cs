using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Aggregation;

/// <summary>
/// Combines, for each request in flight, the replies of one domain and the partials of the child
/// gateways below into one partial for the parent, or, at the source, into the final result
/// (docs/aggregation.md). One instance per aggregating node: a gateway for its domain and its
/// children, or the source. No I/O, no clock, no randomness: the driver moves requests, replies,
/// partials and time in, and partials, forwarded requests and events out.
/// </summary>
/// <remarks>
/// <para>Methods, as in quinn-proto's <c>Connection</c>:</para>
/// <list type="bullet">
/// <item><description>getters: <see cref="Options"/>, <see cref="Counters"/>, <see cref="RequestCount"/>, <see cref="IsHeld"/>, <see cref="IsFinished"/>;</description></item>
/// <item><description>input: <see cref="HandleRequest"/> (from the parent, or from the application at the source), <see cref="HandleReply"/> (replies heard on this node's domain), <see cref="HandlePartial"/> (partials from child gateways), <see cref="HandleChildLost"/> (a child gateway's link failed), <see cref="HandleTimeout"/>; each has a bytes overload that decodes first;</description></item>
/// <item><description>output: <see cref="TryPollForward"/> (the request to pass on to the children and into the domain, with this hop's budget), <see cref="TryPollPartial"/> (for the parent), <see cref="TryPollEvent"/> (results at the source, late counts after them, rejections), <see cref="PollTimeout"/>.</description></item>
/// </list>
/// <para>Call order: after every input the driver drains <see cref="TryPollForward"/>,
/// <see cref="TryPollPartial"/> and <see cref="TryPollEvent"/>, then re-arms its one timer from
/// <see cref="PollTimeout"/>. Single-threaded; <c>now</c> is monotonic and never goes back.</para>
/// <para>Invariants:</para>
/// <list type="bullet">
/// <item><description>A request finishes once: when every expected child has sent its partial or was lost and every known member answered, or at its deadline, whichever comes first. At that moment exactly one partial goes to the parent (at the source: one <see cref="AggregationCompleted"/>), and nothing that arrives later changes its values: a later reply or partial only raises the late count, reported in a late-only update (at the source, <see cref="LateAfterResult"/>).</description></item>
/// <item><description>Each member's reply and each child's partial counts at most once per request, whatever is duplicated or reordered.</description></item>
/// <item><description>A child gateway that was lost or did not answer by the deadline is counted as a missing subtree and named; it never adds zero-valued replies. A lost child's partial that still arrives before the deadline is merged and the subtree is no longer missing.</description></item>
/// <item><description>Memory: at most <see cref="AggregatorOptions.MaxRequests"/> requests, each with one entry per member that answered and per expected child; a finished request is forgotten <see cref="AggregatorOptions.Linger"/> after it finished.</description></item>
/// <item><description>Peer input never throws: malformed or unfitting input is counted under its reason and, for faults, raised as <see cref="AggregationInputRejected"/>. Misuse (null arguments, default gateway ids) throws.</description></item>
/// </list>
/// </remarks>
public sealed class RequestAggregator
{
    /// <summary>
    /// The most children an open request (a source's) takes: a bound on what peers can make it
    /// remember, far above the gateways one domain has.
    /// </summary>
    public const int MaxOpenChildren = 1024;

    private readonly AggregatorOptions _options;
    private readonly Dictionary<ulong, Pending> _requests = [];
    private readonly Queue<AggregationRequest> _forwards = new();
    private readonly Queue<OutgoingPartial> _partials = new();
    private readonly Queue<AggregationEvent> _events = new();

    /// <summary>An aggregator that holds no request.</summary>
    /// <exception cref="ArgumentException">A setting of <paramref name="options"/> is out of range.</exception>
    public RequestAggregator(AggregatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    private enum ChildStatus
    {
        Waiting,
        Received,
        Lost,

        /// <summary>An open child (<see cref="HandleRequest"/>'s <c>openChildren</c>) whose first partial is being taken; never missing.</summary>
        Heard,
    }

    /// <summary>The settings in force.</summary>
    public AggregatorOptions Options => _options;

    /// <summary>Inputs, outputs and drops by reason.</summary>
    public AggregationCounters Counters { get; } = new();

    /// <summary>Requests held, finished ones still lingering included.</summary>
    public int RequestCount => _requests.Count;

    /// <summary>Whether <paramref name="requestId"/> is held (in progress or lingering).</summary>
    public bool IsHeld(ulong requestId) => _requests.ContainsKey(requestId);

    /// <summary>Whether <paramref name="requestId"/> is held and finished.</summary>
    public bool IsFinished(ulong requestId) => _requests.TryGetValue(requestId, out var p) && p.Finished;

    /// <summary>
    /// A request arrived: from <paramref name="parent"/>, or, when it is null, from the
    /// application at the source. Returns whether it was taken; a refusal is counted.
    /// </summary>
    /// <param name="now">The current time.</param>
    /// <param name="request">The request as received (its budget counts from now).</param>
    /// <param name="parent">The gateway to send the partial to; null at the source, which raises <see cref="AggregationCompleted"/> instead.</param>
    /// <param name="expectedChildren">The child gateways that will answer with a partial (this node's children on the group's tree, and its leaves).</param>
    /// <param name="knownMembers">The member ids known on this node's domain (member reports), or null when membership is not learnt: then the domain is complete only at the deadline, and no member is counted missing.</param>
    /// <param name="openChildren">
    /// Whether a partial from a gateway that is not in <paramref name="expectedChildren"/> is taken
    /// too: for a source, which does not know in advance which gateways of its domain will answer.
    /// The first partial of each such child is merged and later copies are duplicates; a child
    /// never heard from was never expected, so it is not a missing subtree.
    /// </param>
    public bool HandleRequest(TimeSpan now, AggregationRequest request, GatewayId? parent, IReadOnlyCollection<GatewayId> expectedChildren, IReadOnlyCollection<ulong>? knownMembers, bool openChildren = false)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(expectedChildren);
        if (parent is { } p)
        {
            GatewayId.ThrowIfDefault(p, nameof(parent));
        }

        var error = request.Validate();
        if (error != AggregationError.None)
        {
            return Drop(AggregationDropReason.Malformed, error, request.RequestId, null);
        }

        if (_requests.ContainsKey(request.RequestId))
        {
            return Drop(AggregationDropReason.DuplicateRequest, AggregationError.None, request.RequestId, null);
        }

        var deadline = now + request.Budget - (parent is null ? TimeSpan.Zero : _options.HopMargin);

        // Children are handed whole milliseconds (the wire's unit), rounded down so that they
        // never answer later than this node can use.
        var childBudget = TimeSpan.FromMilliseconds(Math.Floor((deadline - now).TotalMilliseconds));
        if (childBudget <= TimeSpan.Zero)
        {
            return Drop(AggregationDropReason.BudgetTooSmall, AggregationError.None, request.RequestId, null);
        }

        if (_requests.Count >= _options.MaxRequests && !ForgetOldestFinished())
        {
            return Drop(AggregationDropReason.TooManyRequests, AggregationError.None, request.RequestId, null);
        }

        var pending = new Pending(request, parent, deadline, new AggregateAccumulator(request.Spec)) { OpenChildren = openChildren };
        foreach (var child in expectedChildren)
        {
            GatewayId.ThrowIfDefault(child, nameof(expectedChildren));
            if (pending.Children.TryAdd(child, new ChildState()))
            {
                pending.ChildrenWaiting++;
            }
        }

        if (knownMembers is not null)
        {
            pending.Known = [.. knownMembers];
            pending.KnownUnanswered = pending.Known.Count;
        }

        _requests.Add(request.RequestId, pending);
        Counters.RequestsAccepted++;
        _forwards.Enqueue(request with { Budget = childBudget });
        FinishIfComplete(now, pending);
        return true;
    }

    /// <summary>A Request payload arrived from <paramref name="parent"/> (or the application, when null); decodes it, then as <see cref="HandleRequest"/>.</summary>
    public bool HandleRequestPayload(TimeSpan now, ReadOnlySpan<byte> payload, GatewayId? parent, IReadOnlyCollection<GatewayId> expectedChildren, IReadOnlyCollection<ulong>? knownMembers, bool openChildren = false)
    {
        return AggregationRequestCodec.TryDecode(payload, out var request, out var error)
            ? HandleRequest(now, request, parent, expectedChildren, knownMembers, openChildren)
            : Drop(AggregationDropReason.Malformed, error, null, null);
    }

    /// <summary>A member's reply was heard on this node's domain.</summary>
    public void HandleReply(TimeSpan now, Reply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var error = reply.Validate();
        if (error != AggregationError.None)
        {
            Drop(AggregationDropReason.InvalidReply, error, reply.RequestId, null);
            return;
        }

        if (!_requests.TryGetValue(reply.RequestId, out var pending))
        {
            Drop(AggregationDropReason.UnknownRequest, AggregationError.None, reply.RequestId, null);
            return;
        }

        if (pending.Replied.Contains(reply.MemberId))
        {
            Drop(AggregationDropReason.DuplicateReply, AggregationError.None, reply.RequestId, null);
            return;
        }

        if (pending.Finished)
        {
            if ((pending.LateMembers ??= []).Add(reply.MemberId))
            {
                pending.OwnLate++;
                Drop(AggregationDropReason.LateReply, AggregationError.None, reply.RequestId, null);
                ScheduleLateReport(now, pending);
            }
            else
            {
                Drop(AggregationDropReason.DuplicateReply, AggregationError.None, reply.RequestId, null);
            }

            return;
        }

        if (pending.Accumulator!.Contributors >= PartialAggregate.MaxContributors)
        {
            Drop(AggregationDropReason.SpecMismatch, AggregationError.CountOutOfRange, reply.RequestId, null);
            return;
        }

        pending.Replied.Add(reply.MemberId);
        pending.Accumulator.Add(reply);
        Counters.RepliesAccepted++;
        if (pending.Known is { } known)
        {
            if (known.Contains(reply.MemberId))
            {
                pending.KnownUnanswered--;
            }
            else
            {
                // A member that answers without having reported itself is a member all the
                // same: counting it keeps contributors + missing = members.
                pending.UnannouncedRepliers++;
            }
        }

        FinishIfComplete(now, pending);
    }

    /// <summary>A Reply payload was heard on this node's domain; decodes it, then as <see cref="HandleReply"/>.</summary>
    public void HandleReplyPayload(TimeSpan now, ReadOnlySpan<byte> payload)
    {
        if (ReplyCodec.TryDecode(payload, out var reply, out var error))
        {
            HandleReply(now, reply);
        }
        else
        {
            Drop(AggregationDropReason.Malformed, error, null, null);
        }
    }

    /// <summary>A partial (or late-only update) arrived from the child gateway <paramref name="child"/>.</summary>
    public void HandlePartial(TimeSpan now, GatewayId child, PartialAggregate partial)
    {
        GatewayId.ThrowIfDefault(child, nameof(child));
        ArgumentNullException.ThrowIfNull(partial);
        if (!_requests.TryGetValue(partial.RequestId, out var pending))
        {
            Drop(AggregationDropReason.UnknownRequest, AggregationError.None, partial.RequestId, child);
            return;
        }

        if (!pending.Children.TryGetValue(child, out var state))
        {
            if (!pending.OpenChildren || pending.Children.Count >= MaxOpenChildren)
            {
                Drop(AggregationDropReason.UnknownChild, AggregationError.None, partial.RequestId, child);
                return;
            }

            // An open child is expected from the moment it is first heard, so the checks below
            // (duplicate, late, fit) treat it as any other; it is never waited for.
            state = new ChildState { Status = ChildStatus.Heard };
            pending.Children.Add(child, state);
        }

        if (partial.IsLateUpdate)
        {
            // Late counts are cumulative per child, so the largest seen is the truth however
            // updates are duplicated or reordered.
            Counters.LateUpdatesReceived++;
            RaiseChildLate(now, pending, state, partial.Late);
            return;
        }

        if (state.Status == ChildStatus.Received)
        {
            Drop(AggregationDropReason.DuplicatePartial, AggregationError.None, partial.RequestId, child);
            return;
        }

        var fit = AggregationError.None;
        if (partial.Histogram.Count != pending.Request.Spec.BucketCount)
        {
            fit = AggregationError.BadBucketCount;
        }
        else if ((partial.Items.Count > 0 || partial.CollectCut is not null) && !pending.Request.Spec.Collects)
        {
            fit = AggregationError.TooManyItems;
        }
        else if (!pending.Finished)
        {
            fit = pending.Accumulator!.CheckMergeable(partial);
        }

        if (fit != AggregationError.None)
        {
            Drop(AggregationDropReason.SpecMismatch, fit, partial.RequestId, child);
            return;
        }

        if (pending.Finished)
        {
            state.Status = ChildStatus.Received;
            pending.OwnLate += partial.Contributors;
            Drop(AggregationDropReason.LatePartial, AggregationError.None, partial.RequestId, child);
            RaiseChildLate(now, pending, state, partial.Late);
            ScheduleLateReport(now, pending);
            return;
        }

        if (state.Status == ChildStatus.Waiting)
        {
            pending.ChildrenWaiting--;
        }

        state.Status = ChildStatus.Received;
        state.Late = Math.Max(state.Late, partial.Late);

        // Late is kept per child (above) rather than summed, so that a late update for the
        // same replies cannot count them again.
        pending.Accumulator!.Merge(partial.Late == 0 ? partial : partial with { Late = 0 });
        Counters.PartialsAccepted++;
        FinishIfComplete(now, pending);
    }

    /// <summary>A PartialAggregate payload arrived from <paramref name="child"/>; decodes it, then as <see cref="HandlePartial"/>.</summary>
    public void HandlePartialPayload(TimeSpan now, GatewayId child, ReadOnlySpan<byte> payload)
    {
        if (PartialAggregateCodec.TryDecode(payload, out var partial, out var error))
        {
            HandlePartial(now, child, partial);
        }
        else
        {
            Drop(AggregationDropReason.Malformed, error, null, child);
        }
    }

    /// <summary>
    /// The child gateway <paramref name="child"/> failed (its link went down): every request in
    /// progress that still waits for it stops waiting, and counts its subtree as missing unless
    /// its partial still comes before the request finishes.
    /// </summary>
    public void HandleChildLost(TimeSpan now, GatewayId child)
    {
        GatewayId.ThrowIfDefault(child, nameof(child));
        List<Pending>? affected = null;
        foreach (var pending in _requests.Values)
        {
            if (!pending.Finished && pending.Children.TryGetValue(child, out var state) && state.Status == ChildStatus.Waiting)
            {
                state.Status = ChildStatus.Lost;
                pending.ChildrenWaiting--;
                (affected ??= []).Add(pending);
            }
        }

        foreach (var pending in affected ?? [])
        {
            FinishIfComplete(now, pending);
        }
    }

    /// <summary>The deadline of <see cref="PollTimeout"/> has come: requests at their deadline, late reports due, lingering requests to forget.</summary>
    public void HandleTimeout(TimeSpan now)
    {
        List<Pending>? forget = null;
        foreach (var pending in _requests.Values)
        {
            if (!pending.Finished && pending.Deadline <= now)
            {
                Finish(now, pending, atDeadline: true);
            }

            if (pending.LateReportAt is { } at && at <= now)
            {
                pending.LateReportAt = null;
                ReportLate(pending);
            }

            if (pending.Finished && pending.ForgetAt <= now)
            {
                (forget ??= []).Add(pending);
            }
        }

        foreach (var pending in forget ?? [])
        {
            _requests.Remove(pending.Request.RequestId);
            Counters.RequestsForgotten++;
        }
    }

    /// <summary>When to call <see cref="HandleTimeout"/> next; null when nothing is held.</summary>
    public TimeSpan? PollTimeout()
    {
        TimeSpan? earliest = null;
        foreach (var pending in _requests.Values)
        {
            var due = !pending.Finished ? pending.Deadline
                : pending.LateReportAt is { } late && late < pending.ForgetAt ? late
                : pending.ForgetAt;
            if (earliest is not { } e || due < e)
            {
                earliest = due;
            }
        }

        return earliest;
    }

    /// <summary>
    /// The next request to pass on: to every expected child and into this node's domain (where
    /// members answer it), with the budget this hop gives them.
    /// </summary>
    public bool TryPollForward(out AggregationRequest request)
    {
        if (_forwards.TryDequeue(out var next))
        {
            request = next;
            return true;
        }

        request = null!;
        return false;
    }

    /// <summary>The next partial for a parent: one per request, then late-only updates.</summary>
    public bool TryPollPartial(out OutgoingPartial partial) => _partials.TryDequeue(out partial);

    /// <summary>The next event for the driver.</summary>
    public bool TryPollEvent(out AggregationEvent e)
    {
        if (_events.TryDequeue(out var next))
        {
            e = next;
            return true;
        }

        e = null!;
        return false;
    }

    private bool Drop(AggregationDropReason reason, AggregationError error, ulong? requestId, GatewayId? from)
    {
        Counters.CountDropped(reason, error);
        if (AggregationDropReasons.IsRaised(reason))
        {
            _events.Enqueue(new AggregationInputRejected(reason, error, requestId, from));
        }

        return false;
    }

    private void RaiseChildLate(TimeSpan now, Pending pending, ChildState state, ulong late)
    {
        if (late > state.Late)
        {
            state.Late = late;
            if (pending.Finished)
            {
                ScheduleLateReport(now, pending);
            }
        }
    }

    private void ScheduleLateReport(TimeSpan now, Pending pending)
    {
        if (pending.LateReportAt is null && pending.TotalLate > pending.LateReported)
        {
            pending.LateReportAt = now + _options.LateUpdateDelay;
        }
    }

    private void ReportLate(Pending pending)
    {
        var total = pending.TotalLate;
        if (total <= pending.LateReported)
        {
            return;
        }

        pending.LateReported = total;
        if (pending.Parent is { } parent)
        {
            _partials.Enqueue(new OutgoingPartial(parent, new PartialAggregate { RequestId = pending.Request.RequestId, IsLateUpdate = true, Late = total }));
            Counters.PartialsSent++;
            Counters.LateUpdatesSent++;
        }
        else
        {
            _events.Enqueue(new LateAfterResult(pending.Request.RequestId, total));
        }
    }

    private void FinishIfComplete(TimeSpan now, Pending pending)
    {
        if (!pending.Finished && pending.ChildrenWaiting == 0 && pending.Known is not null && pending.KnownUnanswered == 0)
        {
            Finish(now, pending, atDeadline: false);
        }
    }

    private void Finish(TimeSpan now, Pending pending, bool atDeadline)
    {
        var accumulator = pending.Accumulator!;
        var subtreesMissing = false;
        foreach (var (child, state) in pending.Children)
        {
            if (state.Status is ChildStatus.Waiting or ChildStatus.Lost)
            {
                accumulator.AddMissingSubtree(child);
                Counters.SubtreesMissing++;
                subtreesMissing = true;
            }
        }

        if (pending.Known is { } known)
        {
            foreach (var member in known)
            {
                if (!pending.Replied.Contains(member))
                {
                    accumulator.AddMissingMember(member);
                }
            }

            accumulator.AddMembers((ulong)known.Count + pending.UnannouncedRepliers, known: !subtreesMissing);
        }
        else
        {
            accumulator.AddMembers(pending.UnannouncedRepliers, known: false);
        }

        pending.LateReported = pending.TotalLate;
        accumulator.AddLate(pending.LateReported);
        var id = pending.Request.RequestId;
        if (pending.Parent is { } parent)
        {
            accumulator.AddPartials(1);
            _partials.Enqueue(new OutgoingPartial(parent, accumulator.ToPartial(id)));
            Counters.PartialsSent++;
        }
        else
        {
            _events.Enqueue(new AggregationCompleted(accumulator.ToPartial(id), atDeadline));
            Counters.ResultsCompleted++;
        }

        if (atDeadline)
        {
            Counters.FinishedAtDeadline++;
        }

        // What stays is what tells late from duplicate input during the linger.
        pending.Finished = true;
        pending.ForgetAt = now + _options.Linger;
        pending.Accumulator = null;
        pending.Known = null;
    }

    private bool ForgetOldestFinished()
    {
        Pending? oldest = null;
        foreach (var pending in _requests.Values)
        {
            if (pending.Finished && (oldest is null || pending.ForgetAt < oldest.ForgetAt))
            {
                oldest = pending;
            }
        }

        if (oldest is null)
        {
            return false;
        }

        _requests.Remove(oldest.Request.RequestId);
        Counters.RequestsForgotten++;
        return true;
    }

    private sealed class ChildState
    {
        public ChildStatus Status { get; set; }

        /// <summary>The largest cumulative late count the child reported.</summary>
        public ulong Late { get; set; }
    }

    private sealed class Pending(AggregationRequest request, GatewayId? parent, TimeSpan deadline, AggregateAccumulator accumulator)
    {
        public AggregationRequest Request { get; } = request;

        public GatewayId? Parent { get; } = parent;

        public TimeSpan Deadline { get; } = deadline;

        public AggregateAccumulator? Accumulator { get; set; } = accumulator;

        public Dictionary<GatewayId, ChildState> Children { get; } = [];

        public int ChildrenWaiting { get; set; }

        public HashSet<ulong>? Known { get; set; }

        public int KnownUnanswered { get; set; }

        public ulong UnannouncedRepliers { get; set; }

        public HashSet<ulong> Replied { get; } = [];

        public HashSet<ulong>? LateMembers { get; set; }

        public bool Finished { get; set; }

        /// <summary>Partials from children not named in advance are taken (a source).</summary>
        public bool OpenChildren { get; init; }

        public TimeSpan ForgetAt { get; set; }

        /// <summary>Replies and child contributors that arrived here after this node finished.</summary>
        public ulong OwnLate { get; set; }

        public ulong LateReported { get; set; }

        public TimeSpan? LateReportAt { get; set; }

        public ulong TotalLate
        {
            get
            {
                var total = OwnLate;
                foreach (var child in Children.Values)
                {
                    total += child.Late;
                }

                return total;
            }
        }
    }
}
