namespace Bridge.Multicast.Security.ControlPlane;

/// <summary>
/// The anti-replay window of one sender (RFC 4303 §3.4.3): the highest sequence number accepted and
/// a bitmap of the <see cref="ControlFrameAuthenticator.ReplayWindow"/> numbers behind it. A number
/// is accepted once; one further behind than the window is refused, since it can no longer be told
/// from a replay.
/// </summary>
internal sealed class ReplayWindow
{
    private ulong _highest;
    private ulong _seen;
    private bool _any;

    /// <summary>Takes <paramref name="sequence"/> when it is new; false for a number seen already or behind the window.</summary>
    public bool TryAdmit(ulong sequence)
    {
        if (!_any || sequence > _highest)
        {
            var shift = _any ? sequence - _highest : ulong.MaxValue;
            _seen = shift >= 64 ? 1UL : (_seen << (int)shift) | 1UL;
            _highest = sequence;
            _any = true;
            return true;
        }

        var behind = _highest - sequence;
        if (behind >= ControlFrameAuthenticator.ReplayWindow)
        {
            return false;
        }

        var bit = 1UL << (int)behind;
        if ((_seen & bit) != 0)
        {
            return false;
        }

        _seen |= bit;
        return true;
    }
}
