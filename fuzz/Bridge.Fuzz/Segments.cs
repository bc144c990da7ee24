using System.Buffers;

namespace Bridge.Fuzz;

/// <summary>A <see cref="ReadOnlySequence{T}"/> of two segments, as a pipe hands a reader bytes that arrived in two reads.</summary>
public sealed class Segments : ReadOnlySequenceSegment<byte>
{
    private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    /// <summary><paramref name="first"/> then <paramref name="second"/>, as one sequence of two segments.</summary>
    public static ReadOnlySequence<byte> Of(ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second)
    {
        var head = new Segments(first, 0);
        var tail = new Segments(second, first.Length);
        head.Next = tail;
        return new ReadOnlySequence<byte>(head, 0, tail, second.Length);
    }
}
