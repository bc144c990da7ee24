using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using Bridge.Multicast.Wire;

namespace Bridge.Multicast.Aggregation;

/// <summary>
/// Encodes and decodes the payload of a <see cref="FrameType.Request"/> frame, version 1
/// (docs/wire-format.md §5.1.5). Pure: no I/O, no clock.
/// </summary>
public static class AggregationRequestCodec
{
    /// <summary>Version written and read.</summary>
    public const byte Version = 1;

    /// <summary>Bytes before the histogram bounds.</summary>
    public const int FixedSize = 22;

    /// <summary>The largest request: the fixed part and 64 bounds.</summary>
    public const int MaxEncodedSize = FixedSize + (8 * AggregationSpec.MaxHistogramBounds);

    private const byte MissingIdsFlag = 0x01;

    /// <summary>The encoded size of <paramref name="request"/>, after checking it.</summary>
    /// <exception cref="ArgumentException">A receiver would reject the request.</exception>
    public static int GetEncodedSize(AggregationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var error = request.Validate();
        return error == AggregationError.None
            ? FixedSize + (8 * request.Spec.HistogramBounds.Count)
            : throw new ArgumentException($"Request {request.RequestId} is not valid: {error}.", nameof(request));
    }

    /// <summary>Writes <paramref name="request"/>; writes nothing and throws when a receiver would reject it.</summary>
    /// <exception cref="ArgumentException">A receiver would reject the request.</exception>
    public static void Encode(AggregationRequest request, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var size = GetEncodedSize(request);
        var span = output.GetSpan(size)[..size];
        var spec = request.Spec;
        span[0] = Version;
        span[1] = spec.WantMissingIds ? MissingIdsFlag : (byte)0;
        span[2] = (byte)spec.Functions;
        span[3] = (byte)spec.HistogramBounds.Count;
        BinaryPrimitives.WriteUInt64BigEndian(span[4..], request.RequestId);
        BinaryPrimitives.WriteUInt32BigEndian(span[12..], (uint)(request.Budget.Ticks / TimeSpan.TicksPerMillisecond));
        BinaryPrimitives.WriteUInt16BigEndian(span[16..], (ushort)spec.CollectMaxItems);
        BinaryPrimitives.WriteUInt32BigEndian(span[18..], (uint)spec.CollectMaxBytes);
        for (var i = 0; i < spec.HistogramBounds.Count; i++)
        {
            BinaryPrimitives.WriteDoubleBigEndian(span[(FixedSize + (8 * i))..], spec.HistogramBounds[i]);
        }

        output.Advance(size);
    }

    /// <summary>Encodes <paramref name="request"/> into a new array.</summary>
    /// <exception cref="ArgumentException">A receiver would reject the request.</exception>
    public static byte[] Encode(AggregationRequest request)
    {
        var buffer = new ArrayBufferWriter<byte>(GetEncodedSize(request));
        Encode(request, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Decodes one request that fills <paramref name="input"/> exactly; never throws. On failure
    /// <paramref name="reason"/> names the first broken field.
    /// </summary>
    /// <remarks>
    /// <code>
    ///  0                   1                   2                   3
    ///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    /// +---------------+-------------+-+-+-------------+---------------+
    /// |  version = 1  |  reserved=0 |M|0|  functions  | bound count B |
    /// +---------------+-------------+-+-+-------------+---------------+
    /// |                      request id (64)                          |
    /// +                                                               +
    /// |                                                               |
    /// +---------------------------------------------------------------+
    /// |                  budget, milliseconds (32)                    |
    /// +-------------------------------+-------------------------------+
    /// |  collect max items (16)       |  collect max bytes (32) ...   |
    /// +-------------------------------+-------------------------------+
    /// |  ... collect max bytes        |  bounds: B IEEE 754 doubles  ...
    /// +-------------------------------+-------------------------------+
    /// </code>
    /// M is <see cref="AggregationSpec.WantMissingIds"/>; functions are the bits of
    /// <see cref="AggregateFunctions"/> (0x80 reserved).
    /// </remarks>
    public static bool TryDecode(ReadOnlySpan<byte> input, [NotNullWhen(true)] out AggregationRequest? request, out AggregationError reason)
    {
        request = null;
        reason = Decode(input, ref request);
        return reason == AggregationError.None;
    }

    private static AggregationError Decode(ReadOnlySpan<byte> input, ref AggregationRequest? request)
    {
        if (input.Length > MaxEncodedSize)
        {
            return AggregationError.TooLarge;
        }

        if (input.Length < FixedSize)
        {
            return AggregationError.Truncated;
        }

        if (input[0] != Version)
        {
            return AggregationError.UnsupportedVersion;
        }

        if ((input[1] & ~MissingIdsFlag) != 0)
        {
            return AggregationError.UnknownFlags;
        }

        int boundCount = input[3];
        if (boundCount > AggregationSpec.MaxHistogramBounds)
        {
            return AggregationError.TooManyBounds;
        }

        var length = FixedSize + (8 * boundCount);
        if (input.Length < length)
        {
            return AggregationError.Truncated;
        }

        if (input.Length > length)
        {
            return AggregationError.TrailingBytes;
        }

        var bounds = new double[boundCount];
        for (var i = 0; i < boundCount; i++)
        {
            bounds[i] = BinaryPrimitives.ReadDoubleBigEndian(input[(FixedSize + (8 * i))..]);
        }

        var decoded = new AggregationRequest(
            BinaryPrimitives.ReadUInt64BigEndian(input[4..]),
            new AggregationSpec
            {
                Functions = (AggregateFunctions)input[2],
                WantMissingIds = (input[1] & MissingIdsFlag) != 0,
                HistogramBounds = bounds,
                CollectMaxItems = BinaryPrimitives.ReadUInt16BigEndian(input[16..]),
                CollectMaxBytes = (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32BigEndian(input[18..])),
            },
            TimeSpan.FromMilliseconds(BinaryPrimitives.ReadUInt32BigEndian(input[12..])));

        // The spec's own rules (functions, bounds, collect limits, budget) are the ones the
        // encoder applies, so both sides refuse exactly the same requests.
        var error = decoded.Validate();
        if (error == AggregationError.None)
        {
            request = decoded;
        }

        return error;
    }
}
