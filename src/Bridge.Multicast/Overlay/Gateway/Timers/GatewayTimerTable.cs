namespace Bridge.Multicast.Overlay.Gateway.Timers;

/// <summary>
/// The deadlines of a gateway's timers as data, one slot per <see cref="GatewayTimer"/> (as
/// quinn-proto's <c>TimerTable</c>): setting a timer overwrites its slot, stopping it empties the
/// slot, and the next timeout is the earliest filled slot. The table holds a handful of slots, so
/// the next timeout costs the same however many groups, members or held copies lie behind them;
/// each sub-machine keeps its own slot at its earliest deadline.
/// </summary>
/// <remarks>
/// Invariants: a slot is either empty or holds one deadline; <see cref="NextTimeout"/> is the
/// smallest filled slot, ties going to the timer declared first, and null when every slot is
/// empty. A slot is not emptied by passing its deadline: the owner stops or re-arms it when it
/// handles the timeout.
/// </remarks>
internal sealed class GatewayTimerTable
{
    private static readonly int Slots = Enum.GetValues<GatewayTimer>().Length;

    private readonly TimeSpan?[] _deadlines = new TimeSpan?[Slots];

    /// <summary>Arms <paramref name="timer"/> for <paramref name="deadline"/>, replacing its previous deadline.</summary>
    public void Set(GatewayTimer timer, TimeSpan deadline) => _deadlines[Index(timer)] = deadline;

    /// <summary>Arms <paramref name="timer"/> for <paramref name="deadline"/>, or stops it when that is null.</summary>
    public void SetOrStop(GatewayTimer timer, TimeSpan? deadline) => _deadlines[Index(timer)] = deadline;

    /// <summary>Stops <paramref name="timer"/>; stopping a stopped timer changes nothing.</summary>
    public void Stop(GatewayTimer timer) => _deadlines[Index(timer)] = null;

    /// <summary>The deadline of <paramref name="timer"/>, or null when it is stopped.</summary>
    public TimeSpan? Get(GatewayTimer timer) => _deadlines[Index(timer)];

    /// <summary>Whether <paramref name="timer"/> is armed and its deadline is not after <paramref name="now"/>.</summary>
    public bool IsExpired(GatewayTimer timer, TimeSpan now) => _deadlines[Index(timer)] is { } deadline && deadline <= now;

    /// <summary>The earliest armed deadline, or null when no timer is armed.</summary>
    public TimeSpan? NextTimeout() => Next()?.Deadline;

    /// <summary>The timer with the earliest armed deadline (the first declared on a tie), or null when none is armed.</summary>
    public (GatewayTimer Timer, TimeSpan Deadline)? Next()
    {
        (GatewayTimer, TimeSpan)? next = null;
        for (var i = 0; i < _deadlines.Length; i++)
        {
            if (_deadlines[i] is { } deadline && (next is not { } earlier || deadline < earlier.Item2))
            {
                next = ((GatewayTimer)i, deadline);
            }
        }

        return next;
    }

    private static int Index(GatewayTimer timer)
    {
        if ((uint)timer >= (uint)Slots)
        {
            throw new ArgumentOutOfRangeException(nameof(timer), timer, "not a gateway timer");
        }

        return (int)timer;
    }
}
