using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Endpoint;

/// <summary>
/// Compares group wire names (UTF-8) by content, and lets a dictionary keyed by them be searched
/// with a received frame's bytes without copying them.
/// </summary>
internal sealed class WireNameComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    public static readonly WireNameComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

    public int GetHashCode(byte[] obj) => (int)GroupHash.Compute(obj);

    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<byte> alternate) => (int)GroupHash.Compute(alternate);

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
}
