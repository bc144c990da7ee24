using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Fragmentation;

/// <summary>
/// Cuts a message into frames that each fit one atomic message of a technology (the largest
/// datagram it carries whole, such as 1472 bytes for UDP over a 1500-byte Ethernet MTU). Pure:
/// the fragments are slices of the message's payload; nothing is copied.
/// </summary>
/// <remarks>
/// A message that fits is one frame with fragment count 1. A larger one is cut as
/// <see cref="FragmentLayout.ForMessage"/> says: as few fragments as possible, all full but the
/// last, every one carrying the message's sequence number, its index, the count and the whole
/// length (docs/wire-format.md §7).
/// </remarks>
public static class MessageFragmenter
{
    /// <summary>
    /// Payload bytes one frame can carry within <paramref name="atomicMessageSize"/>, after the
    /// header, a group name of <paramref name="groupNameLength"/> bytes and a tag of
    /// <paramref name="tagLength"/> bytes.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Header, name and tag leave no room for a payload byte.</exception>
    public static int GetFragmentCapacity(int atomicMessageSize, int groupNameLength, int tagLength = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(groupNameLength);
        ArgumentOutOfRangeException.ThrowIfNegative(tagLength);
        var capacity = (long)atomicMessageSize - FrameCodec.GetEncodedSize(groupNameLength, 0, tagLength);
        if (capacity < 1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(atomicMessageSize),
                atomicMessageSize,
                $"an atomic message of {atomicMessageSize} bytes leaves no room for payload after the {FrameCodec.HeaderSize}-byte header, a {groupNameLength}-byte group name and a {tagLength}-byte tag");
        }

        return (int)capacity;
    }

    /// <summary>How a message of <paramref name="messageLength"/> bytes is cut for this technology and group.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No room for payload, or the message needs more than 65535 fragments.</exception>
    public static FragmentLayout GetLayout(int messageLength, int atomicMessageSize, int groupNameLength, int tagLength = 0) =>
        FragmentLayout.ForMessage(messageLength, GetFragmentCapacity(atomicMessageSize, groupNameLength, tagLength));

    /// <summary>
    /// Cuts <paramref name="message"/>, a whole message with its full payload, into fragment frames
    /// of at most <paramref name="atomicMessageSize"/> bytes each once a tag of
    /// <paramref name="tagLength"/> bytes is added. The fragments copy every other header field.
    /// </summary>
    /// <remarks>
    /// Fragments leave here without a tag: whoever authenticates them computes each one's tag
    /// over that fragment and sets <see cref="GridCastFrame.Tag"/>, of exactly
    /// <paramref name="tagLength"/> bytes, before encoding.
    /// </remarks>
    /// <exception cref="ArgumentException">
    /// The message is already a fragment or carries a tag, there is no room for payload, or the
    /// message needs more than 65535 fragments.
    /// </exception>
    public static FragmentedMessage Split(in GridCastFrame message, int atomicMessageSize, int tagLength = 0)
    {
        if (message.FragmentCount != 1 || message.FragmentIndex != 0 || message.MessageLength != (uint)message.Payload.Length)
        {
            throw new ArgumentException(
                $"only a whole message can be split; this is fragment {message.FragmentIndex} of {message.FragmentCount} of a {message.MessageLength}-byte message",
                nameof(message));
        }

        if (!message.Tag.IsEmpty)
        {
            throw new ArgumentException("a tag covers one frame's bytes and cannot be carried over to fragments; split first, then tag each fragment", nameof(message));
        }

        var layout = GetLayout(message.Payload.Length, atomicMessageSize, message.Group.Length, tagLength);
        return new FragmentedMessage(message, layout);
    }
}
