namespace Bridge.Multicast.Wire;

/// <summary>
/// How one message is cut into fragments (docs/wire-format.md §7): every fragment but the last
/// carries <see cref="FragmentSize"/> payload bytes, the last carries the rest, at least one byte
/// and at most <see cref="FragmentSize"/>. A message sent whole is one fragment of its own length.
/// </summary>
/// <remarks>
/// Any single fragment determines the layout: a fragment other than the last carries exactly
/// <see cref="FragmentSize"/> bytes, and the last one leaves (length − its bytes) / (count − 1).
/// Two fragments belong to the same message consistently exactly when their layouts are equal,
/// and a receiver knows where each fragment goes before it has seen the others.
/// </remarks>
/// <param name="MessageLength">The length of the whole message.</param>
/// <param name="FragmentCount">How many fragments carry it, at least 1.</param>
/// <param name="FragmentSize">Payload bytes in every fragment but the last.</param>
public readonly record struct FragmentLayout(uint MessageLength, ushort FragmentCount, int FragmentSize)
{
    /// <summary>
    /// The layout that cuts a message of <paramref name="messageLength"/> bytes into fragments of
    /// at most <paramref name="fragmentCapacity"/> bytes: as few as possible, all full but the last.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A negative length, a capacity below 1, or more than <see cref="ushort.MaxValue"/> fragments.
    /// </exception>
    public static FragmentLayout ForMessage(int messageLength, int fragmentCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(messageLength);
        ArgumentOutOfRangeException.ThrowIfLessThan(fragmentCapacity, 1);
        if (messageLength <= fragmentCapacity)
        {
            return new FragmentLayout((uint)messageLength, 1, messageLength);
        }

        var count = ((long)messageLength + fragmentCapacity - 1) / fragmentCapacity;
        if (count > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(
                nameof(messageLength),
                messageLength,
                $"a message of {messageLength} bytes needs {count} fragments of {fragmentCapacity} bytes; at most {ushort.MaxValue} are possible");
        }

        return new FragmentLayout((uint)messageLength, (ushort)count, fragmentCapacity);
    }

    /// <summary>
    /// The layout one fragment's header fields imply, or the reason they cannot belong to any
    /// message: <see cref="FrameError.FragmentCountZero"/>, <see cref="FrameError.FragmentIndexOutOfRange"/>,
    /// <see cref="FrameError.PayloadExceedsMessage"/> or <see cref="FrameError.InconsistentFragment"/>.
    /// </summary>
    public static FrameError TryDescribe(ushort fragmentIndex, ushort fragmentCount, uint payloadLength, uint messageLength, out FragmentLayout layout)
    {
        layout = default;
        if (fragmentCount == 0)
        {
            return FrameError.FragmentCountZero;
        }

        if (fragmentIndex >= fragmentCount)
        {
            return FrameError.FragmentIndexOutOfRange;
        }

        if (payloadLength > messageLength)
        {
            return FrameError.PayloadExceedsMessage;
        }

        if (fragmentCount == 1)
        {
            // A whole message: its payload is all of it.
            if (payloadLength != messageLength)
            {
                return FrameError.InconsistentFragment;
            }

            layout = new FragmentLayout(messageLength, 1, (int)payloadLength);
            return FrameError.None;
        }

        // Every fragment of a fragmented message carries at least one byte.
        if (payloadLength == 0)
        {
            return FrameError.InconsistentFragment;
        }

        ulong others = fragmentCount - 1u;
        ulong size;
        if (fragmentIndex < others)
        {
            // A full fragment: the last one then holds length − others × size, which must be 1..size.
            size = payloadLength;
            if (messageLength <= others * size || messageLength > (others + 1) * size)
            {
                return FrameError.InconsistentFragment;
            }
        }
        else
        {
            // The last fragment: the others share the rest equally, each at least as large as this one.
            var rest = (ulong)(messageLength - payloadLength);
            if (rest % others != 0 || rest / others < payloadLength)
            {
                return FrameError.InconsistentFragment;
            }

            size = rest / others;
        }

        // size ≤ length ≤ uint.MaxValue, but a caller could describe a fragment larger than any frame.
        if (size > int.MaxValue)
        {
            return FrameError.InconsistentFragment;
        }

        layout = new FragmentLayout(messageLength, fragmentCount, (int)size);
        return FrameError.None;
    }

    /// <summary>Where fragment <paramref name="index"/> starts in the message.</summary>
    public long OffsetOf(int index) => (long)index * FragmentSize;

    /// <summary>How many payload bytes fragment <paramref name="index"/> carries.</summary>
    public int LengthOf(int index) =>
        index < FragmentCount - 1 ? FragmentSize : (int)(MessageLength - ((long)(FragmentCount - 1) * FragmentSize));
}
