using System.Buffers;

namespace Bridge.Adapters.Iec61850.Goose;

/// <summary>
/// The sending side of one GOOSE control block as a sans-IO state machine: numbering (stNum,
/// sqNum), the retransmission scheme (<see cref="GooseRetransmissionOptions"/>) and
/// timeAllowedtoLive. It never reads a clock or touches a socket; the driver passes the
/// monotonic time and sends what <see cref="TryPollTransmit"/> yields.
/// </summary>
/// <remarks>
/// <para><b>Methods.</b> Getters (<see cref="StNum"/>, <see cref="SqNum"/>, <see cref="IsRunning"/>);
/// commands (<see cref="Publish(TimeSpan, UtcTime, ReadOnlyMemory{byte}, uint)"/>,
/// <see cref="Adopt"/>, <see cref="Stop"/>); input (<see cref="HandleTimeout"/>); output
/// (<see cref="TryPollTransmit"/>, <see cref="PollTimeout"/>). After each command or input the
/// driver drains the transmits and re-reads the timeout; <c>now</c> never decreases (a smaller
/// one throws, as does any other misuse).</para>
/// <para><b>Protocol.</b> <see cref="Publish(TimeSpan, UtcTime, ReadOnlyMemory{byte}, uint)"/> is a
/// state change: stNum + 1, sqNum 0, t as given, sent at once; the first repeat follows after
/// T1, each next one after twice the previous interval, until the interval is T0, which then
/// holds. Each repeat is the same APDU with sqNum + 1 and the timeAllowedtoLive for the interval
/// until its successor. After 2^32 - 1, stNum and sqNum roll over to 1: 0 is only ever the value
/// of a fresh publisher's first state (stNum) and of a state's first message (sqNum).</para>
/// <para><b>Relaying.</b> <see cref="Adopt"/> takes an APDU received from elsewhere (the far end of
/// a tunnel) as the current state and keeps its stNum, sqNum, t and timeAllowedtoLive: a new
/// stNum (or confRev, or dataset) restarts the scheme from T1 and is sent at once; the same
/// stNum with a higher sqNum is sent at once and the schedule continues from there; anything
/// older is dropped (the local repeats were ahead). Between adopted APDUs the local schedule
/// repeats the last one with sqNum + 1, so subscribers' timeAllowedtoLive does not lapse while
/// the upstream is slower than the local schedule. When the upstream is gone (its own
/// timeAllowedtoLive expired, <see cref="GooseSupervision"/>), <see cref="Stop"/> ends the
/// repeats, and the subscribers' timeAllowedtoLive lapses as it would for the original.</para>
/// <para><b>Timers</b> are data: one deadline, the next repeat, or none when stopped or before
/// the first state.</para>
/// </remarks>
public sealed class GoosePublisher
{
    private readonly GooseRetransmissionOptions _options;
    private readonly Queue<GooseTransmit> _transmits = new();
    private readonly GooseApduView _identity;
    private GooseApduView _current;
    private bool _hasState;
    private TimeSpan _interval;
    private TimeSpan? _deadline;
    private TimeSpan _lastNow = TimeSpan.MinValue;

    /// <summary>
    /// A publisher for the control block <paramref name="gocbRef"/> of dataset <paramref name="datSet"/>.
    /// Nothing is sent before the first <see cref="Publish(TimeSpan, UtcTime, ReadOnlyMemory{byte}, uint)"/> or <see cref="Adopt"/>.
    /// </summary>
    public GoosePublisher(string gocbRef, string datSet, string? goId, uint confRev, GooseRetransmissionOptions? options = null, bool simulation = false, bool ndsCom = false)
    {
        ArgumentNullException.ThrowIfNull(gocbRef);
        ArgumentNullException.ThrowIfNull(datSet);
        _options = options ?? GooseRetransmissionOptions.Default;
        _options.Validate();
        _identity = new GooseApduView
        {
            GocbRef = System.Text.Encoding.ASCII.GetBytes(gocbRef),
            DatSet = System.Text.Encoding.ASCII.GetBytes(datSet),
            HasGoId = goId is not null,
            GoId = goId is null ? ReadOnlyMemory<byte>.Empty : System.Text.Encoding.ASCII.GetBytes(goId),
            ConfRev = confRev,
            Simulation = simulation,
            NdsCom = ndsCom,
        };

        // Refuse a bad identity now rather than at the first state change.
        GooseCodec.Encode(_identity, new ArrayBufferWriter<byte>());
        _current = _identity;
    }

    /// <summary>The stNum of the current state (0 before the first).</summary>
    public uint StNum => _current.StNum;

    /// <summary>The sqNum of the last message sent.</summary>
    public uint SqNum => _current.SqNum;

    /// <summary>True while there is a state and <see cref="Stop"/> has not been called since.</summary>
    public bool IsRunning => _hasState && _deadline is not null;

    /// <summary>A state change with the dataset's values: sent at once, then repeated.</summary>
    public void Publish(TimeSpan now, UtcTime t, IReadOnlyList<GooseData> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        Publish(now, t, GooseDataCodec.Encode(values), (uint)values.Count);
    }

    /// <summary>
    /// A state change with the dataset already encoded (the content of allData, <paramref name="entries"/>
    /// values): sent at once, then repeated.
    /// </summary>
    /// <exception cref="ArgumentException">The values are not valid GOOSE data, or their count is not <paramref name="entries"/>.</exception>
    public void Publish(TimeSpan now, UtcTime t, ReadOnlyMemory<byte> allData, uint entries)
    {
        Advance(now);
        var stNum = !_hasState ? 1u : Next(_current.StNum);
        var state = _identity with
        {
            T = t,
            StNum = stNum,
            SqNum = 0,
            NumDatSetEntries = entries,
            AllData = allData.ToArray(),
        };
        Send(state with { TimeAllowedToLive = _options.TimeAllowedToLiveFor(_options.FirstInterval) }, GooseTransmitKind.StateChange);
        _interval = _options.FirstInterval;
        _deadline = now + _interval;
    }

    /// <summary>
    /// Takes an APDU received from elsewhere as the current state, keeping its numbers (see the
    /// class remarks); returns true when it was sent, false when the local repeats were ahead.
    /// </summary>
    public bool Adopt(TimeSpan now, in GooseApduView received)
    {
        Advance(now);
        if (!received.GocbRef.Span.SequenceEqual(_identity.GocbRef.Span))
        {
            throw new ArgumentException($"the APDU is of control block '{received.GetGocbRef()}', this publisher's is '{_identity.GetGocbRef()}'", nameof(received));
        }

        var owned = Own(received);
        var newState = !_hasState
            || received.StNum != _current.StNum
            || received.ConfRev != _current.ConfRev
            || !received.AllData.Span.SequenceEqual(_current.AllData.Span);
        if (newState)
        {
            Send(owned, GooseTransmitKind.StateChange);
            _interval = _options.FirstInterval;
            _deadline = now + _interval;
            return true;
        }

        if (IsAfter(received.SqNum, _current.SqNum))
        {
            Send(owned, GooseTransmitKind.Relayed);
            _deadline = now + _interval;
            return true;
        }

        return false;
    }

    /// <summary>Ends the repeats: nothing more is sent until the next state.</summary>
    public void Stop() => _deadline = null;

    /// <summary>The deadline returned by <see cref="PollTimeout"/> has passed: send the next repeat.</summary>
    public void HandleTimeout(TimeSpan now)
    {
        Advance(now);
        if (_deadline is not { } deadline || deadline > now)
        {
            return;
        }

        _interval = _interval * 2 < _options.Heartbeat ? _interval * 2 : _options.Heartbeat;
        var repeat = _current with
        {
            SqNum = Next(_current.SqNum),
            TimeAllowedToLive = _options.TimeAllowedToLiveFor(_interval),
        };
        Send(repeat, GooseTransmitKind.Retransmission);
        _deadline = now + _interval;
    }

    /// <summary>When <see cref="HandleTimeout"/> is next due, or null when nothing is scheduled.</summary>
    public TimeSpan? PollTimeout() => _deadline;

    /// <summary>The next APDU to send, if any.</summary>
    public bool TryPollTransmit(out GooseTransmit transmit) => _transmits.TryDequeue(out transmit);

    // 0 is reserved for the first state and the first message of a state; rollover goes to 1.
    private static uint Next(uint number) => number == uint.MaxValue ? 1 : number + 1;

    // sqNum order with rollover: "after" within half the number space.
    private static bool IsAfter(uint candidate, uint current) => candidate != current && (candidate - current) < (1u << 31);

    private static GooseApduView Own(in GooseApduView view) => view with
    {
        GocbRef = view.GocbRef.ToArray(),
        DatSet = view.DatSet.ToArray(),
        GoId = view.GoId.ToArray(),
        AllData = view.AllData.ToArray(),
        Security = view.Security.ToArray(),
    };

    private void Send(in GooseApduView apdu, GooseTransmitKind kind)
    {
        var buffer = new ArrayBufferWriter<byte>(GooseCodec.GetEncodedSize(apdu));
        GooseCodec.Encode(apdu, buffer);
        _current = apdu;
        _hasState = true;
        _transmits.Enqueue(new GooseTransmit(buffer.WrittenMemory, apdu.StNum, apdu.SqNum, apdu.TimeAllowedToLive, kind));
    }

    private void Advance(TimeSpan now)
    {
        if (now < _lastNow)
        {
            throw new ArgumentOutOfRangeException(nameof(now), now, $"time went backwards from {_lastNow}");
        }

        _lastNow = now;
    }
}
