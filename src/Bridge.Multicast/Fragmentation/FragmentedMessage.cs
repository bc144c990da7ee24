using System.Collections;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Fragmentation;

/// <summary>
/// The fragment frames of one message, made on demand from the message and its
/// <see cref="FragmentLayout"/>; each fragment's payload is a slice of the message's.
/// </summary>
/// <remarks>Enumerate with <c>foreach</c> to use the allocation-free struct enumerator.</remarks>
public readonly struct FragmentedMessage : IReadOnlyList<GridCastFrame>, IEquatable<FragmentedMessage>
{
    private readonly GridCastFrame _message;

    internal FragmentedMessage(in GridCastFrame message, FragmentLayout layout)
    {
        _message = message;
        Layout = layout;
    }

    /// <summary>How the message is cut.</summary>
    public FragmentLayout Layout { get; }

    /// <summary>The number of fragments, at least 1.</summary>
    public int Count => Layout.FragmentCount;

    /// <summary>Fragment <paramref name="index"/>.</summary>
    public GridCastFrame this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            return _message with
            {
                FragmentIndex = (ushort)index,
                FragmentCount = Layout.FragmentCount,
                MessageLength = Layout.MessageLength,
                Payload = _message.Payload.Slice((int)Layout.OffsetOf(index), Layout.LengthOf(index)),
            };
        }
    }

    /// <summary>Compares the message and layout.</summary>
    public static bool operator ==(FragmentedMessage left, FragmentedMessage right) => left.Equals(right);

    /// <summary>Compares the message and layout.</summary>
    public static bool operator !=(FragmentedMessage left, FragmentedMessage right) => !left.Equals(right);

    /// <summary>The fragments in index order.</summary>
    public Enumerator GetEnumerator() => new(this);

    /// <inheritdoc/>
    IEnumerator<GridCastFrame> IEnumerable<GridCastFrame>.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public bool Equals(FragmentedMessage other) => _message.Equals(other._message) && Layout == other.Layout;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is FragmentedMessage other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_message, Layout);

    /// <summary>Walks the fragments in index order without allocating.</summary>
    public struct Enumerator : IEnumerator<GridCastFrame>
    {
        private readonly FragmentedMessage _fragments;
        private int _index;

        internal Enumerator(FragmentedMessage fragments)
        {
            _fragments = fragments;
            _index = -1;
        }

        /// <inheritdoc/>
        public readonly GridCastFrame Current => _fragments[_index];

        /// <inheritdoc/>
        readonly object IEnumerator.Current => Current;

        /// <inheritdoc/>
        public bool MoveNext() => ++_index < _fragments.Count;

        /// <inheritdoc/>
        public void Reset() => _index = -1;

        /// <inheritdoc/>
        public readonly void Dispose()
        {
        }
    }
}
