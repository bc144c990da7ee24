namespace Bridge.Multicast.Endpoint;

/// <summary>
/// One bit per sequence number for the last numbers up to a source's newest, kept in a ring of
/// 64-bit words: the duplicate window (<see cref="SequenceWindow"/>) and the replay window of
/// secured groups both keep one. The owner decides what the newest is and how far back counts.
/// </summary>
internal sealed class SequenceBitmap
{
    private readonly ulong[] _bits;
    private readonly ulong _capacity;

    /// <summary>Room for at least <paramref name="size"/> numbers (rounded up to whole words).</summary>
    public SequenceBitmap(int size)
    {
        _bits = new ulong[(size + 63) / 64];
        _capacity = (ulong)_bits.Length * 64;
    }

    public bool IsSet(ulong sequence)
    {
        var bit = sequence % _capacity;
        return (_bits[bit / 64] & (1UL << (int)(bit % 64))) != 0;
    }

    public void Set(ulong sequence)
    {
        var bit = sequence % _capacity;
        _bits[bit / 64] |= 1UL << (int)(bit % 64);
    }

    /// <summary>
    /// The newest number moves from <paramref name="newest"/> to <paramref name="sequence"/>: the
    /// positions in between now stand for numbers not yet seen, so they are cleared.
    /// </summary>
    public void Advance(ulong newest, ulong sequence)
    {
        if (sequence - newest >= _capacity)
        {
            Array.Clear(_bits);
            return;
        }

        for (var s = newest + 1; s < sequence; s++)
        {
            var bit = s % _capacity;
            _bits[bit / 64] &= ~(1UL << (int)(bit % 64));
        }
    }
}
