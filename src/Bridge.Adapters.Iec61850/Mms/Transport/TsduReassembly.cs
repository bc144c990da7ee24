using System.Globalization;

namespace Bridge.Adapters.Iec61850.Mms.Transport;

/// <summary>
/// Joins the DT segments of one direction of a class 0 connection into TSDUs (ISO 8073 §6.3:
/// segments are concatenated until one with EOT). A TSDU may not grow beyond
/// <see cref="MaxTsduSize"/>: a peer cannot make this side buffer without bound.
/// </summary>
public sealed class TsduReassembly
{
    private byte[] _buffer = [];
    private int _length;

    /// <summary>Reassembly of TSDUs of at most <paramref name="maxTsduSize"/> octets.</summary>
    public TsduReassembly(int maxTsduSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTsduSize, 1);
        MaxTsduSize = maxTsduSize;
    }

    /// <summary>The largest TSDU accepted.</summary>
    public int MaxTsduSize { get; }

    /// <summary>Octets held from segments without EOT.</summary>
    public int Pending => _length;

    /// <summary>
    /// Adds a segment. True when it completed a TSDU, returned in <paramref name="tsdu"/> (the
    /// segment itself when nothing was pending, else a buffer valid until the next call); false
    /// when more segments are needed or, with <paramref name="failure"/> set, when the TSDU is too large.
    /// </summary>
    public bool TryAdd(CotpData segment, out ReadOnlyMemory<byte> tsdu, out DecodeFailure failure)
    {
        ArgumentNullException.ThrowIfNull(segment);
        tsdu = default;
        failure = default;
        if (_length + segment.UserData.Length > MaxTsduSize)
        {
            failure = new DecodeFailure(
                StackLayer.Cotp,
                DecodeError.TsduTooLarge,
                0,
                string.Create(CultureInfo.InvariantCulture, $"a TSDU grows to {_length + segment.UserData.Length} octets, at most {MaxTsduSize} accepted"));
            _length = 0;
            return false;
        }

        if (_length == 0 && segment.EndOfTsdu)
        {
            tsdu = segment.UserData;
            return true;
        }

        if (_buffer.Length < _length + segment.UserData.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + segment.UserData.Length));
        }

        segment.UserData.Span.CopyTo(_buffer.AsSpan(_length));
        _length += segment.UserData.Length;
        if (!segment.EndOfTsdu)
        {
            return false;
        }

        tsdu = _buffer.AsMemory(0, _length);
        _length = 0;
        return true;
    }
}
