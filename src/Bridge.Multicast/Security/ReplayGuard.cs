using Bridge.Multicast.Endpoint;

namespace Bridge.Multicast.Security;

/// <summary>
/// What one source of one secured group has had accepted lately: the newest sequence number, a
/// bitmap of the <c>window</c> numbers up to it for whole messages, and the fragment indices seen
/// of fragmented messages in the window (RFC 4303 §3.4.3's anti-replay window, by (sequence,
/// fragment) because every fragment of a message carries its sequence number). A re-ordered frame
/// within the window is taken once; one further back is refused, as the guard cannot tell.
/// </summary>
/// <remarks>
/// Fed only frames whose tag verified, so only an entitled sender moves it. Bounded by the window
/// and, for fragments, by <see cref="MaxFragmentEntries"/> (oldest sequences forgotten first, which
/// makes their later fragments fall "beyond the window" rather than be taken twice).
/// </remarks>
internal sealed class ReplayGuard
{
    /// <summary>Fragment indices remembered per source at most.</summary>
    internal const int MaxFragmentEntries = 1 << 16;

    private readonly SequenceBitmap _seen;
    private readonly ulong _window;
    private readonly SortedDictionary<ulong, HashSet<ushort>> _fragments = [];
    private int _fragmentEntries;
    private ulong _newest;
    private ulong _oldestKept;
    private bool _any;

    public ReplayGuard(int window)
    {
        _window = (ulong)window;
        _seen = new SequenceBitmap(window);
    }

    /// <summary>When this source last had a frame accepted (the caller's clock), for eviction.</summary>
    public TimeSpan LastAccepted { get; set; }

    /// <summary>Whether (sequence, fragment) would be taken: <see cref="SecurityRejection.None"/>, <see cref="SecurityRejection.Replayed"/> or <see cref="SecurityRejection.BeyondWindow"/>.</summary>
    public SecurityRejection Check(ulong sequence, ushort fragmentIndex, bool isFragment)
    {
        if (!_any || sequence > _newest)
        {
            return SecurityRejection.None;
        }

        if (_newest - sequence >= _window || sequence < _oldestKept)
        {
            return SecurityRejection.BeyondWindow;
        }

        if (!isFragment)
        {
            return _seen.IsSet(sequence) ? SecurityRejection.Replayed : SecurityRejection.None;
        }

        return _fragments.TryGetValue(sequence, out var seen) && seen.Contains(fragmentIndex)
            ? SecurityRejection.Replayed
            : SecurityRejection.None;
    }

    /// <summary>Records an accepted frame; call only after <see cref="Check"/> said none.</summary>
    public void Mark(ulong sequence, ushort fragmentIndex, bool isFragment)
    {
        if (!_any || sequence > _newest)
        {
            Advance(sequence);
        }

        if (!isFragment)
        {
            _seen.Set(sequence);
            return;
        }

        if (!_fragments.TryGetValue(sequence, out var seen))
        {
            seen = [];
            _fragments.Add(sequence, seen);
        }

        if (seen.Add(fragmentIndex))
        {
            _fragmentEntries++;
        }

        while (_fragmentEntries > MaxFragmentEntries)
        {
            var (oldest, indices) = _fragments.First();
            _fragments.Remove(oldest);
            _fragmentEntries -= indices.Count;
            _oldestKept = oldest + 1;
        }
    }

    private void Advance(ulong sequence)
    {
        if (_any)
        {
            _seen.Advance(_newest, sequence);
        }

        _any = true;
        _newest = sequence;
        while (_fragments.Count > 0)
        {
            var (oldest, indices) = _fragments.First();
            if (_newest - oldest < _window)
            {
                break;
            }

            _fragments.Remove(oldest);
            _fragmentEntries -= indices.Count;
        }
    }
}
