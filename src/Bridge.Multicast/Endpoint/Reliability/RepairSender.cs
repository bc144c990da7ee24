namespace Bridge.Multicast.Endpoint.Reliability;

/// <summary>What a <see cref="RepairSender"/> or <see cref="RepairReceiver"/> wants sent: a control message for the group, or repair copies.</summary>
internal readonly record struct RepairOutput(RepairMessage? Control, byte[][]? Repair, ulong? UnicastTo);

/// <summary>
/// The sending side of one reliable group: keeps the repair cache, confirms NACKs at once (NCF, so
/// other receivers hold theirs), gathers NACKs for <see cref="ReliableGroupOptions.RepairHoldoff"/>
/// and answers each number once, by multicast when more than one receiver asked and to the one
/// receiver otherwise; says which numbers it cannot repair; and announces its newest number after
/// a send so that receivers see loss at the tail.
/// </summary>
internal sealed class RepairSender
{
    // A NACK asks for at most this many numbers: a forged or confused one cannot make the sender walk
    // its whole cache in one call.
    private const ulong MaxNumbersPerNack = 4096;

    private readonly ReliableGroupOptions _options;
    private readonly ulong _sourceId;
    private readonly Dictionary<ulong, PendingRepair> _pending = [];
    private readonly Dictionary<ulong, Holddown> _holddown = [];
    private TimeSpan? _statusDue;
    private TimeSpan _statusInterval;
    private TimeSpan _lastSent;

    public RepairSender(ulong sourceId, ReliableGroupOptions options)
    {
        _sourceId = sourceId;
        _options = options;
        Cache = new RepairCache(options.CacheMaxBytes, options.CacheMaxAge);
    }

    public RepairCache Cache { get; }

    public ulong Newest { get; private set; }

    public void OnSent(TimeSpan now, ulong sequence, IReadOnlyList<byte[]> datagrams)
    {
        Cache.Add(now, sequence, datagrams);
        Newest = sequence;
        _lastSent = now;
        _statusInterval = _options.StatusFirstInterval;
        _statusDue = now + _statusInterval;
    }

    /// <summary>A NACK from <paramref name="requester"/>: confirmations and "unavailable" go out at once; repairs after the hold-off.</summary>
    public void HandleNack(TimeSpan now, ulong requester, IReadOnlyList<SequenceRange> ranges, ReliabilityCounters counters, List<RepairOutput> outputs)
    {
        List<ulong> confirmed = [];
        List<ulong> unavailable = [];
        ulong asked = 0;
        foreach (var range in ranges)
        {
            for (var sequence = range.First; sequence <= range.Last && sequence <= Newest && asked < MaxNumbersPerNack; sequence++, asked++)
            {
                var afterUnicast = false;
                if (_pending.TryGetValue(sequence, out var pending))
                {
                    pending.Requesters.Add(requester);
                }
                else if (_holddown.TryGetValue(sequence, out var held) && held.Until > now
                    && (held.UnicastTo is null || held.UnicastTo == requester))
                {
                    // The repair went out a moment ago and crossed this NACK; a receiver that
                    // still misses it asks again after its repair wait.
                    counters.OnNackHeldDown();
                }
                else if (Cache.TryGet(now, sequence, out _))
                {
                    // Another receiver asking right after a repair went to one alone shows the loss
                    // is shared: those it silenced get the next repair by multicast.
                    afterUnicast = held is { UnicastTo: not null } && held.RememberUntil > now;
                    _pending.Add(sequence, new PendingRepair(now + _options.RepairHoldoff, [requester], afterUnicast));
                    confirmed.Add(sequence);
                }
                else
                {
                    unavailable.Add(sequence);
                }
            }
        }

        Emit(RepairMessageKind.Confirm, confirmed, outputs);
        counters.OnConfirmed(confirmed.Count);
        Emit(RepairMessageKind.Unavailable, unavailable, outputs);
        counters.OnUnavailable(unavailable.Count);
    }

    public void HandleTimeout(TimeSpan now, ReliabilityCounters counters, List<RepairOutput> outputs)
    {
        List<ulong>? due = null;
        foreach (var (sequence, pending) in _pending)
        {
            if (pending.Due <= now)
            {
                (due ??= []).Add(sequence);
            }
        }

        if (due is not null)
        {
            due.Sort();
            List<ulong> gone = [];
            foreach (var sequence in due)
            {
                _pending.Remove(sequence, out var pending);
                if (!Cache.TryGet(now, sequence, out var datagrams))
                {
                    // Aged out or pushed out during the hold-off.
                    gone.Add(sequence);
                    continue;
                }

                ulong? to = _options.UnicastSingleRequests && !pending!.Multicast && pending.Requesters.Count == 1 ? pending.Requesters.First() : null;
                outputs.Add(new RepairOutput(null, datagrams, to));
                counters.OnRepairSent(datagrams.Length, multicast: to is null);
                _holddown[sequence] = new Holddown(
                    now + _options.RepairHolddown,
                    to,
                    to is null ? now + _options.RepairHolddown : now + _options.RepairHolddown + _options.RepairWait + _options.NackBackoff);
            }

            Emit(RepairMessageKind.Unavailable, gone, outputs);
            counters.OnUnavailable(gone.Count);
        }

        if (_holddown.Count > 0)
        {
            foreach (var (sequence, held) in _holddown)
            {
                if (held.RememberUntil <= now)
                {
                    _holddown.Remove(sequence);
                }
            }
        }

        if (_statusDue is { } statusDue && statusDue <= now)
        {
            outputs.Add(new RepairOutput(new RepairMessage(RepairMessageKind.SourceStatus, _sourceId, [new SequenceRange(Newest, Newest)]), null, null));
            counters.OnStatusSent();
            _statusInterval = _statusInterval * 2 > _options.StatusInterval ? _options.StatusInterval : _statusInterval * 2;

            // Nothing sent longer ago than the cache keeps can be repaired, so announcing it stops then.
            _statusDue = now + _statusInterval - _lastSent <= _options.CacheMaxAge ? now + _statusInterval : null;
        }

        Cache.Trim(now);
    }

    public TimeSpan? PollTimeout()
    {
        var next = _statusDue;
        foreach (var pending in _pending.Values)
        {
            if (next is null || pending.Due < next)
            {
                next = pending.Due;
            }
        }

        foreach (var held in _holddown.Values)
        {
            if (next is null || held.RememberUntil < next)
            {
                next = held.RememberUntil;
            }
        }

        return next;
    }

    private void Emit(RepairMessageKind kind, List<ulong> sequences, List<RepairOutput> outputs)
    {
        if (sequences.Count == 0)
        {
            return;
        }

        var ranges = RepairMessage.ToRanges(sequences);
        for (var i = 0; i < ranges.Count; i += RepairMessage.MaxRanges)
        {
            var slice = ranges.GetRange(i, Math.Min(RepairMessage.MaxRanges, ranges.Count - i));
            outputs.Add(new RepairOutput(new RepairMessage(kind, _sourceId, slice), null, null));
        }
    }

    private sealed record PendingRepair(TimeSpan Due, HashSet<ulong> Requesters, bool Multicast);

    /// <summary>A repair just sent: NACKs that crossed it are not answered until <paramref name="Until"/>; one sent to a single receiver is remembered until <paramref name="RememberUntil"/>, past the others' repair wait.</summary>
    private readonly record struct Holddown(TimeSpan Until, ulong? UnicastTo, TimeSpan RememberUntil);
}
