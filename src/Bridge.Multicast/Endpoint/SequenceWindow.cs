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
    private readonly SequenceBitmap _seen;
    private readonly ulong _size;
    private ulong _newest;

    /// <summary>A window of <paramref name="size"/> numbers that has seen <paramref name="first"/>.</summary>
    public SequenceWindow(int size, ulong first)
    {
        _size = (ulong)size;
        _seen = new SequenceBitmap(size);
        _newest = first;
        _seen.Set(first);
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

        return _seen.IsSet(sequence) ? SequenceVerdict.Duplicate : SequenceVerdict.New;
    }

    /// <summary>Records <paramref name="sequence"/> as delivered; call only after <see cref="Check"/> said new.</summary>
    public void Mark(ulong sequence)
    {
        if (sequence > _newest)
        {
            _seen.Advance(_newest, sequence);
            _newest = sequence;
        }

        _seen.Set(sequence);
    }
}
