namespace Bridge.Multicast.Endpoint;

/// <summary>What a <see cref="SequenceWindow"/> knows of a sequence number.</summary>
internal enum SequenceVerdict
{
    /// <summary>Not delivered yet, as far as the window can tell.</summary>
    New,

    /// <summary>Delivered already.</summary>
    Duplicate,

    /// <summary>Further behind the newest than the window reaches.</summary>
    TooOld,
}

/// <summary>
/// The sequence numbers of one source delivered lately, for duplicate suppression: the newest,
/// and a bitmap of the <c>size</c> numbers up to it (as IPsec's anti-replay window, RFC 4303 §3.4.3,
/// but accepting numbers never seen anywhere in the window).
/// </summary>
internal sealed class SequenceWindow
{
    private readonly ulong[] _bits;
    private readonly ulong _size;
    private readonly ulong _capacity;
    private ulong _newest;

    /// <summary>A window of <paramref name="size"/> numbers that has seen <paramref name="first"/>.</summary>
    public SequenceWindow(int size, ulong first)
    {
        _size = (ulong)size;
        _bits = new ulong[(size + 63) / 64];
        _capacity = (ulong)_bits.Length * 64;
        _newest = first;
        Set(first);
    }

    public SequenceVerdict Check(ulong sequence)
    {
        if (sequence > _newest)
        {
            return SequenceVerdict.New;
        }

        if (_newest - sequence >= _size)
        {
            return SequenceVerdict.TooOld;
        }

        return IsSet(sequence) ? SequenceVerdict.Duplicate : SequenceVerdict.New;
    }

    /// <summary>Records <paramref name="sequence"/> as delivered; call only after <see cref="Check"/> said new.</summary>
    public void Mark(ulong sequence)
    {
        if (sequence > _newest)
        {
            // Positions between the old newest and this one now stand for numbers not yet seen.
            var advance = sequence - _newest;
            if (advance >= _capacity)
            {
                Array.Clear(_bits);
            }
            else
            {
                for (var s = _newest + 1; s < sequence; s++)
                {
                    Clear(s);
                }
            }

            _newest = sequence;
        }

        Set(sequence);
    }

    private bool IsSet(ulong sequence)
    {
        var bit = sequence % _capacity;
        return (_bits[bit / 64] & (1UL << (int)(bit % 64))) != 0;
    }

    private void Set(ulong sequence)
    {
        var bit = sequence % _capacity;
        _bits[bit / 64] |= 1UL << (int)(bit % 64);
    }

    private void Clear(ulong sequence)
    {
        var bit = sequence % _capacity;
        _bits[bit / 64] &= ~(1UL << (int)(bit % 64));
    }
}
