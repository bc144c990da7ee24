using System.Buffers;
using BenchmarkDotNet.Attributes;
using Bridge.Multicast.Wire;

namespace Bridge.Benchmarks;

/// <summary>
/// Cost of the frame codec per frame: encoding into a reused buffer, decoding a whole datagram,
/// and decoding from a stream reader's buffer, both when the frame sits in one segment and when
/// it straddles two (the case where the decoder has to copy the body). The frame is a whole
/// message without a tag, the common case of a data frame.
/// </summary>
/// <remarks>BenchmarkDotNet derives a runner from this class, so it stays public and unsealed.</remarks>
[MemoryDiagnoser]
public class FrameCodecBenchmarks
{
    private static readonly ReadOnlyMemory<byte> GroupUtf8 = "ham:ip:239.192.0.7:5000"u8.ToArray();

    private readonly ArrayBufferWriter<byte> _writer = new(FrameCodec.DefaultMaxFrameSize);
    private GridCastFrame _frame;
    private ReadOnlyMemory<byte> _datagram;
    private ReadOnlySequence<byte> _contiguous;
    private ReadOnlySequence<byte> _split;

    /// <summary>Payload bytes per frame: a small telemetry reading and a larger report.</summary>
    [Params(100, 1000)]
    public int PayloadSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var payload = new byte[PayloadSize];
        for (var i = 0; i < payload.Length; i++)
        {
            payload[i] = (byte)i;
        }

        _frame = new GridCastFrame
        {
            Type = FrameType.Data,
            ContentType = ContentType.Raw,
            Group = GroupUtf8,
            SourceId = 0x0123_4567_89AB_CDEF,
            Sequence = 42,
            TimestampMicroseconds = 1_700_000_000_000_000,
            Payload = payload,
        };

        var encoded = new ArrayBufferWriter<byte>();
        FrameCodec.Encode(_frame, encoded);
        var bytes = encoded.WrittenMemory.ToArray();
        _datagram = bytes;
        _contiguous = new ReadOnlySequence<byte>(bytes);

        // Cut inside the group name, as a socket read might: header and body then live in
        // different segments and the body cannot be handed out as one slice.
        var cut = FrameCodec.HeaderSize + 8;
        var first = new Segment(bytes.AsMemory(0, cut));
        var last = first.Append(bytes.AsMemory(cut));
        _split = new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);

        // A benchmark that silently measured the rejection path would be worthless.
        if (TryDecodeDatagram() != PayloadSize || TryDecodeStream() != PayloadSize || TryDecodeStreamSplit() != PayloadSize)
        {
            throw new InvalidOperationException("the encoded frame does not decode back");
        }
    }

    [Benchmark]
    public int Encode()
    {
        _writer.ResetWrittenCount();
        return FrameCodec.Encode(_frame, _writer);
    }

    [Benchmark]
    public int TryDecodeDatagram()
    {
        FrameCodec.TryDecodeDatagram(_datagram, out var frame, out _);
        return frame.Payload.Length;
    }

    [Benchmark]
    public int TryDecodeStream()
    {
        FrameCodec.TryDecode(_contiguous, out var frame, out _, out _);
        return frame.Payload.Length;
    }

    [Benchmark]
    public int TryDecodeStreamSplit()
    {
        FrameCodec.TryDecode(_split, out var frame, out _, out _);
        return frame.Payload.Length;
    }

    /// <summary>A buffer segment, linked the way a pipe reader links the blocks it received.</summary>
    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
