namespace Bridge.Adapters.Iec61850.Goose;

/// <summary>How <see cref="GooseSupervision.HandleFrame(TimeSpan, uint, uint, uint)"/> classed a received APDU.</summary>
public enum GooseFrameClass : byte
{
    /// <summary>The first APDU seen (or the first after the stream was lost).</summary>
    First,

    /// <summary>stNum + 1: a state change.</summary>
    NewState,

    /// <summary>The same stNum with sqNum + 1: a repeat in order.</summary>
    Retransmission,

    /// <summary>The same stNum with a sqNum more than one ahead: repeats were missed.</summary>
    SqNumGap,

    /// <summary>The same stNum and sqNum as the last one.</summary>
    Duplicate,

    /// <summary>The same stNum with an older sqNum.</summary>
    OutOfOrder,

    /// <summary>stNum more than one ahead: state changes were missed.</summary>
    StNumGap,

    /// <summary>stNum went back (a publisher restarted, or an old frame).</summary>
    StNumBack,
}

/// <summary>What a <see cref="GooseSupervision"/> reports.</summary>
/// <param name="Kind">Lost or restored.</param>
/// <param name="At">When it was noticed (the driver's monotonic time).</param>
/// <param name="StNum">The last stNum seen.</param>
/// <param name="SqNum">The last sqNum seen.</param>
public readonly record struct GooseSupervisionEvent(GooseSupervisionEventKind Kind, TimeSpan At, uint StNum, uint SqNum);

/// <summary>The kinds of <see cref="GooseSupervisionEvent"/>.</summary>
public enum GooseSupervisionEventKind : byte
{
    /// <summary>No APDU came within the last one's timeAllowedtoLive: the publisher is taken as gone.</summary>
    Lost,

    /// <summary>An APDU came after the stream had been lost.</summary>
    Restored,
}

/// <summary>
/// The receiving side's supervision of one GOOSE stream (IEC 61850-8-1 §18.1: a subscriber that
/// sees no message within the last one's timeAllowedtoLive declares the publisher lost), as a
/// sans-IO state machine, with the stNum/sqNum order of what arrives.
/// </summary>
/// <remarks>
/// <para><b>Methods.</b> Getters (<see cref="IsAlive"/>, <see cref="StNum"/>, <see cref="SqNum"/>,
/// <see cref="Counters"/>); input (<see cref="HandleFrame(TimeSpan, uint, uint, uint)"/>, <see cref="HandleTimeout"/>);
/// output (<see cref="PollTimeout"/>, <see cref="TryPollEvent"/>). <c>now</c> never decreases.</para>
/// <para>Each APDU, whatever its numbers, proves the publisher alive and sets the deadline to
/// its arrival plus its timeAllowedtoLive; when the deadline passes, <see cref="GooseSupervisionEventKind.Lost"/>
/// is raised once and the stream counts as lost until the next APDU
/// (<see cref="GooseSupervisionEventKind.Restored"/>).</para>
/// </remarks>
public sealed class GooseSupervision
{
    private readonly Queue<GooseSupervisionEvent> _events = new();
    private TimeSpan? _deadline;
    private TimeSpan _lastNow = TimeSpan.MinValue;
    private bool _seen;
    private bool _lost;

    /// <summary>True from an APDU until its timeAllowedtoLive passes without another.</summary>
    public bool IsAlive => _seen && !_lost;

    /// <summary>The last stNum seen.</summary>
    public uint StNum { get; private set; }

    /// <summary>The last sqNum seen.</summary>
    public uint SqNum { get; private set; }

    /// <summary>What arrived, by class, and how often the stream was lost.</summary>
    public GooseSupervisionCounters Counters { get; } = new();

    /// <summary>An APDU of this stream arrived at <paramref name="now"/>; returns how it fits the sequence.</summary>
    public GooseFrameClass HandleFrame(TimeSpan now, in GooseApduView apdu) => HandleFrame(now, apdu.StNum, apdu.SqNum, apdu.TimeAllowedToLive);

    /// <summary>An APDU with these numbers arrived at <paramref name="now"/>; returns how it fits the sequence.</summary>
    public GooseFrameClass HandleFrame(TimeSpan now, uint stNum, uint sqNum, uint timeAllowedToLive)
    {
        Advance(now);
        GooseFrameClass kind;
        if (!_seen || _lost)
        {
            kind = GooseFrameClass.First;
            if (_lost)
            {
                _events.Enqueue(new GooseSupervisionEvent(GooseSupervisionEventKind.Restored, now, stNum, sqNum));
            }
        }
        else if (stNum == StNum)
        {
            kind = sqNum == SqNum ? GooseFrameClass.Duplicate
                : sqNum - SqNum == 1 || (SqNum == uint.MaxValue && sqNum == 1) ? GooseFrameClass.Retransmission
                : sqNum - SqNum < (1u << 31) ? GooseFrameClass.SqNumGap
                : GooseFrameClass.OutOfOrder;
        }
        else
        {
            kind = stNum - StNum == 1 || (StNum == uint.MaxValue && stNum == 1) ? GooseFrameClass.NewState
                : stNum - StNum < (1u << 31) ? GooseFrameClass.StNumGap
                : GooseFrameClass.StNumBack;
        }

        Counters.Count(kind);
        _seen = true;
        _lost = false;
        if (kind is not (GooseFrameClass.Duplicate or GooseFrameClass.OutOfOrder))
        {
            StNum = stNum;
            SqNum = sqNum;
        }

        _deadline = now + TimeSpan.FromMilliseconds(timeAllowedToLive);
        return kind;
    }

    /// <summary>The deadline of <see cref="PollTimeout"/> has passed: the stream is lost if nothing came since.</summary>
    public void HandleTimeout(TimeSpan now)
    {
        Advance(now);
        if (_deadline is { } deadline && deadline <= now && !_lost)
        {
            _lost = true;
            _deadline = null;
            Counters.Lost++;
            _events.Enqueue(new GooseSupervisionEvent(GooseSupervisionEventKind.Lost, now, StNum, SqNum));
        }
    }

    /// <summary>When the stream is lost unless an APDU comes first; null before the first and while lost.</summary>
    public TimeSpan? PollTimeout() => _deadline;

    /// <summary>The next event, if any.</summary>
    public bool TryPollEvent(out GooseSupervisionEvent supervisionEvent) => _events.TryDequeue(out supervisionEvent);

    private void Advance(TimeSpan now)
    {
        if (now < _lastNow)
        {
            throw new ArgumentOutOfRangeException(nameof(now), now, $"time went backwards from {_lastNow}");
        }

        _lastNow = now;
    }
}

/// <summary>Counts of a <see cref="GooseSupervision"/>.</summary>
public sealed class GooseSupervisionCounters
{
    private readonly long[] _byClass = new long[Enum.GetValues<GooseFrameClass>().Length];

    /// <summary>How often the stream was declared lost.</summary>
    public long Lost { get; internal set; }

    /// <summary>APDUs received of class <paramref name="kind"/>.</summary>
    public long this[GooseFrameClass kind] => _byClass[(int)kind];

    internal void Count(GooseFrameClass kind) => _byClass[(int)kind]++;
}
