namespace Bridge.Multicast.Endpoint.Reliability;

/// <summary>
/// The receiving side of one source of one reliable group (RFC 3208 §9.3's receiver states, with
/// NORM's multicast NACK suppression, RFC 5740 §5.3): which numbers after the first one heard are
/// missing, when to NACK each, and when to give one up.
/// </summary>
/// <remarks>
/// <para>
/// A number missing is in back-off (a random wait up to <see cref="ReliableGroupOptions.NackBackoff"/>)
/// or waiting for its repair (<see cref="ReliableGroupOptions.RepairWait"/>). Back-off ends in a
/// NACK, unless a NACK of another receiver or the source's confirmation for it is heard first: then
/// it waits for the repair without NACKing. A wait that ends without the repair goes back to
/// back-off. Every round counts as a try, whoever NACKed, so that when the source is gone every
/// receiver gives up after <see cref="ReliableGroupOptions.MaxNackTries"/> rounds.
/// </para>
/// <para>
/// Numbers before the first one heard are never asked for: a late joiner or a restarted receiver
/// starts where it came in. With <see cref="ReliableGroupOptions.InOrder"/> a message after a
/// missing number is held until every number before it is delivered or given up.
/// </para>
/// </remarks>
internal sealed class RepairReceiver
{
    private readonly ReliableGroupOptions _options;
    private readonly Random _random;
    private readonly SortedDictionary<ulong, Missing> _missing = [];
    private readonly SortedDictionary<ulong, MessageReceived> _held = [];
    private TimeSpan? _earliest;

    public RepairReceiver(ReliableGroupOptions options, Random random, ulong first)
    {
        _options = options;
        _random = random;
        Highest = first;
    }

    /// <summary>The highest number heard or announced.</summary>
    public ulong Highest { get; private set; }

    /// <summary>How many numbers are missing now.</summary>
    public int MissingCount => _missing.Count;

    /// <summary>Messages held back for order now.</summary>
    public int HeldCount => _held.Count;

    /// <summary>A frame of message <paramref name="sequence"/> was heard: numbers skipped since the highest become missing.</summary>
    public void OnHeard(TimeSpan now, ulong sequence, List<LostNumbers> lost)
    {
        if (sequence <= Highest)
        {
            return;
        }

        var from = Highest + 1;
        Highest = sequence;
        if (from == sequence)
        {
            return;
        }

        // A jump longer than the bound is not tracked number by number: the oldest part is given up at once.
        var last = sequence - 1;
        var count = last - from + 1;
        if (count > (ulong)_options.MaxMissing)
        {
            var keepFrom = last - (ulong)_options.MaxMissing + 1;
            lost.Add(new LostNumbers(new SequenceRange(from, keepFrom - 1), UnrecoverableLoss.ReasonTooFarBehind));
            from = keepFrom;
        }

        // One draw for the whole gap, so that it is asked for in one NACK and reported as one range.
        var due = now + Backoff();
        for (var s = from; s <= last; s++)
        {
            AddMissing(s, due);
        }

        TrimMissing(lost);
    }

    /// <summary>The source announced its newest number (SourceStatus): what lies beyond the highest heard is missing.</summary>
    public void OnStatus(TimeSpan now, ulong newest, List<LostNumbers> lost)
    {
        if (newest > Highest)
        {
            // The newest itself was never heard either.
            OnHeard(now, newest + 1, lost);
            Highest = newest;
        }
    }

    /// <summary>Whether <paramref name="sequence"/> is missing (so a message of it is a repair of a real loss).</summary>
    public bool IsMissing(ulong sequence) => _missing.ContainsKey(sequence);

    /// <summary>
    /// Message <paramref name="delivered"/> is complete; returns the messages to hand to the
    /// application now, in order (itself, or none when order holds it back, plus any it frees).
    /// </summary>
    public void OnDelivered(MessageReceived delivered, List<MessageReceived> release)
    {
        var sequence = delivered.Message.Sequence;
        _missing.Remove(sequence);
        if (!_options.InOrder || _missing.Count == 0 || sequence < FirstMissing())
        {
            release.Add(delivered);
        }
        else
        {
            _held[sequence] = delivered;
        }

        Release(release);
    }

    /// <summary>A NACK of another receiver, or the source's confirmation, covers these numbers: hold our own NACKs for them.</summary>
    public void OnNackHeard(TimeSpan now, IReadOnlyList<SequenceRange> ranges, ReliabilityCounters counters)
    {
        foreach (var range in ranges)
        {
            foreach (var (sequence, missing) in InRange(range))
            {
                if (missing.State == MissingState.BackOff)
                {
                    missing.State = MissingState.WaitingForRepair;
                    missing.Tries++;
                    missing.Due = now + _options.RepairWait;
                    counters.OnNackSuppressed();
                }

                _ = sequence;
            }
        }

        _earliest = null;
    }

    /// <summary>The source cannot repair these numbers: they are given up now.</summary>
    public void OnUnavailable(IReadOnlyList<SequenceRange> ranges, List<LostNumbers> lost)
    {
        foreach (var range in ranges)
        {
            List<ulong> gone = [.. InRange(range).Select(m => m.Key)];
            foreach (var sequence in gone)
            {
                _missing.Remove(sequence);
            }

            foreach (var run in RepairMessage.ToRanges(gone))
            {
                lost.Add(new LostNumbers(run, UnrecoverableLoss.ReasonNotCached));
            }
        }

        _earliest = null;
    }

    /// <summary>Back-offs that ended become NACKs (<paramref name="nack"/>); waits that ended go back to back-off, or give the number up after the last try.</summary>
    public void HandleTimeout(TimeSpan now, List<ulong> nack, List<LostNumbers> lost)
    {
        if (_earliest is { } earliest && earliest > now)
        {
            return;
        }

        List<ulong>? gone = null;

        // One draw per call: numbers that ran out together stay together in one NACK.
        var backoff = Backoff();
        foreach (var (sequence, missing) in _missing)
        {
            if (missing.Due > now)
            {
                continue;
            }

            if (missing.State == MissingState.BackOff)
            {
                nack.Add(sequence);
                missing.Tries++;
                missing.State = MissingState.WaitingForRepair;
                missing.Due = now + _options.RepairWait;
            }
            else if (missing.Tries >= _options.MaxNackTries)
            {
                (gone ??= []).Add(sequence);
            }
            else
            {
                missing.State = MissingState.BackOff;
                missing.Due = now + backoff;
            }
        }

        if (gone is not null)
        {
            foreach (var sequence in gone)
            {
                _missing.Remove(sequence);
            }

            foreach (var run in RepairMessage.ToRanges(gone))
            {
                lost.Add(new LostNumbers(run, UnrecoverableLoss.ReasonNoAnswer));
            }
        }

        _earliest = null;
    }

    /// <summary>After numbers were given up, the held messages they blocked.</summary>
    public void ReleaseHeld(List<MessageReceived> release) => Release(release);

    public TimeSpan? PollTimeout()
    {
        if (_earliest is null && _missing.Count > 0)
        {
            var earliest = TimeSpan.MaxValue;
            foreach (var missing in _missing.Values)
            {
                if (missing.Due < earliest)
                {
                    earliest = missing.Due;
                }
            }

            _earliest = earliest;
        }

        return _missing.Count > 0 ? _earliest : null;
    }

    private void AddMissing(ulong sequence, TimeSpan due)
    {
        _missing[sequence] = new Missing { Due = due };
        if (_earliest is { } earliest && due < earliest)
        {
            _earliest = due;
        }
    }

    private void TrimMissing(List<LostNumbers> lost)
    {
        // Numbers still missing far behind the newest are given up, oldest first, so the table stays bounded.
        List<ulong>? gone = null;
        while (_missing.Count > _options.MaxMissing)
        {
            var oldest = FirstMissing();
            _missing.Remove(oldest);
            (gone ??= []).Add(oldest);
        }

        if (gone is not null)
        {
            foreach (var run in RepairMessage.ToRanges(gone))
            {
                lost.Add(new LostNumbers(run, UnrecoverableLoss.ReasonTooFarBehind));
            }
        }
    }

    private void Release(List<MessageReceived> release)
    {
        while (_held.Count > 0)
        {
            var first = _held.First();
            if (_missing.Count > 0 && first.Key > FirstMissing())
            {
                break;
            }

            _held.Remove(first.Key);
            release.Add(first.Value);
        }
    }

    private ulong FirstMissing()
    {
        foreach (var sequence in _missing.Keys)
        {
            return sequence;
        }

        return ulong.MaxValue;
    }

    private IEnumerable<KeyValuePair<ulong, Missing>> InRange(SequenceRange range)
    {
        if (_missing.Count == 0 || range.Last < FirstMissing())
        {
            yield break;
        }

        foreach (var pair in _missing)
        {
            if (pair.Key > range.Last)
            {
                yield break;
            }

            if (pair.Key >= range.First)
            {
                yield return pair;
            }
        }
    }

    private TimeSpan Backoff() => _options.NackBackoff * _random.NextDouble();

    private enum MissingState
    {
        BackOff,
        WaitingForRepair,
    }

    private sealed class Missing
    {
        public TimeSpan Due { get; set; }

        public int Tries { get; set; }

        public MissingState State { get; set; }
    }
}

/// <summary>Numbers given up, and why.</summary>
internal readonly record struct LostNumbers(SequenceRange Range, string Reason);
