namespace Bridge.Adapters.Iec61850.RGoose.Security;

/// <summary>
/// Replay protection by the SPDU number (IEC 61850-90-5 numbers a publisher's SPDUs), per
/// stream: a (key id, APPID) pair. An SPDU number above the stream's highest is accepted and
/// moves the window; one within the <see cref="Size"/> numbers below it is accepted once (so
/// UDP's reordering costs nothing); anything else is a replay. Numbers compare in serial-number
/// arithmetic (RFC 1982), so the 32-bit counter may wrap. The caller checks only SPDUs that
/// authenticated: a forger cannot move a window or add a stream.
/// </summary>
public sealed class RGooseReplayWindow
{
    /// <summary>The numbers below the highest that are still accepted once.</summary>
    public const int Size = 64;

    private readonly Dictionary<(uint KeyId, ushort AppId), State> _streams = [];

    /// <summary>Streams seen.</summary>
    public int StreamCount => _streams.Count;

    /// <summary>Accepts <paramref name="spduNumber"/> for the stream and remembers it, or returns false for a replay.</summary>
    public bool TryAccept(uint keyId, ushort appId, uint spduNumber)
    {
        var stream = (keyId, appId);
        if (!_streams.TryGetValue(stream, out var state))
        {
            _streams[stream] = new State(spduNumber, 1);
            return true;
        }

        var ahead = (int)(spduNumber - state.Highest);
        if (ahead > 0)
        {
            var seen = ahead >= Size ? 0 : state.Seen << ahead;
            _streams[stream] = new State(spduNumber, seen | 1);
            return true;
        }

        var behind = -(long)ahead;
        if (behind >= Size)
        {
            return false;
        }

        var bit = 1UL << (int)behind;
        if ((state.Seen & bit) != 0)
        {
            return false;
        }

        _streams[stream] = state with { Seen = state.Seen | bit };
        return true;
    }

    // Bit i of Seen: Highest - i was accepted.
    private readonly record struct State(uint Highest, ulong Seen);
}
