namespace Bridge.Adapters.Iec61850.Ber;

/// <summary>
/// Reads BER elements one after another from a region of a buffer without copying or
/// allocating: each <see cref="TryRead(out BerElement)"/> returns the next element's tag and position and steps
/// over its content; <see cref="Enter"/> reads inside a constructed element. Offsets are those of
/// the whole buffer, so a caller holding the buffer as memory can slice values out of it.
/// </summary>
/// <remarks>
/// Checks before every read: the identifier and length octets lie inside the region, the length
/// is definite and below 2^31, and the content ends inside the region (an element never claims
/// more than its enclosing element holds). Nesting depth is the caller's to bound: it counts its
/// own <see cref="Enter"/> calls.
/// </remarks>
public ref struct BerReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly int _end;
    private readonly bool _nested;
    private int _position;

    /// <summary>A reader over all of <paramref name="buffer"/>.</summary>
    public BerReader(ReadOnlySpan<byte> buffer)
        : this(buffer, 0, buffer.Length)
    {
    }

    /// <summary>A reader over <paramref name="buffer"/>[<paramref name="start"/>..<paramref name="end"/>).</summary>
    public BerReader(ReadOnlySpan<byte> buffer, int start, int end)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfLessThan(end, start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(end, buffer.Length);
        _buffer = buffer;
        _position = start;
        _end = end;
        _nested = false;
    }

    private BerReader(ReadOnlySpan<byte> buffer, in BerElement enclosing)
    {
        _buffer = buffer;
        _position = enclosing.ContentOffset;
        _end = enclosing.End;
        _nested = true;
    }

    /// <summary>Where the next element starts.</summary>
    public readonly int Position => _position;

    /// <summary>The offset just past the region.</summary>
    public readonly int End => _end;

    /// <summary>True while elements remain in the region.</summary>
    public readonly bool HasMore => _position < _end;

    /// <summary>
    /// Reads the next element's identifier and length and steps past its content. Returns
    /// <see cref="BerError.None"/>, or why the bytes there are no element that fits the region
    /// (the position does not move then).
    /// </summary>
    public BerError TryRead(out BerElement element)
    {
        var error = TryPeek(out element);
        if (error == BerError.None)
        {
            _position = element.End;
        }

        return error;
    }

    /// <summary>Like <see cref="TryRead(out BerElement)"/> but leaves the position where it is.</summary>
    public readonly BerError TryPeek(out BerElement element)
    {
        element = default;
        var region = _buffer[_position.._end];
        var error = BerTag.TryRead(region, out var tag, out var tagSize);
        if (error != BerError.None)
        {
            return error;
        }

        error = BerLength.TryRead(region[tagSize..], out var length, out var lengthSize);
        if (error != BerError.None)
        {
            return error;
        }

        var header = tagSize + lengthSize;
        if (length > region.Length - header)
        {
            // Inside an element whose own length fitted, an element announcing more than is left
            // lies about its length; at the outermost level the input is cut short.
            return _nested ? BerError.LengthBeyondEnclosing : BerError.Truncated;
        }

        element = new BerElement(tag, _position, header, length);
        return BerError.None;
    }

    /// <summary>
    /// Reads the next element and checks its tag is <paramref name="expected"/>: a different tag
    /// is <see cref="BerError.UnexpectedTag"/>, the same number in the other form (primitive or
    /// constructed) <see cref="BerError.ConstructedPrimitive"/> or <see cref="BerError.UnexpectedTag"/>.
    /// </summary>
    public BerError TryRead(BerTag expected, out BerElement element)
    {
        var error = TryPeek(out element);
        if (error != BerError.None)
        {
            return error;
        }

        if (element.Tag != expected)
        {
            return element.Tag with { IsConstructed = expected.IsConstructed } == expected && !expected.IsConstructed
                ? BerError.ConstructedPrimitive
                : BerError.UnexpectedTag;
        }

        _position = element.End;
        return BerError.None;
    }

    /// <summary>The content octets of <paramref name="element"/>.</summary>
    public readonly ReadOnlySpan<byte> Content(in BerElement element) => _buffer.Slice(element.ContentOffset, element.ContentLength);

    /// <summary>A reader over the content of <paramref name="element"/> (a constructed element read from this reader).</summary>
    public readonly BerReader Enter(in BerElement element) => new(_buffer, element);
}
