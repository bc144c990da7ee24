using System.Buffers;
using System.Globalization;
using Bridge.Adapters.Iec61850.Mms.Asn1;

namespace Bridge.Adapters.Iec61850.Mms.Transport;

/// <summary>What <see cref="TransportReader.ReadAsync"/> returned.</summary>
public enum TransportUnitKind
{
    /// <summary>A complete TSDU (DTs up to one with EOT).</summary>
    Tsdu,

    /// <summary>A TPDU other than DT: CR, CC, DR or ER.</summary>
    Control,

    /// <summary>The peer closed the stream between frames.</summary>
    EndOfStream,

    /// <summary>Bytes that are not TPKT/COTP, or a stream that ended inside a frame; <see cref="TransportUnit.Failure"/> says which.</summary>
    Malformed,
}

/// <summary>One unit read from an ISO transport stream.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Tsdu">For <see cref="TransportUnitKind.Tsdu"/>: the TSDU, valid until the next read.</param>
/// <param name="Control">For <see cref="TransportUnitKind.Control"/>: the TPDU.</param>
/// <param name="Failure">For <see cref="TransportUnitKind.Malformed"/>: why.</param>
public readonly record struct TransportUnit(TransportUnitKind Kind, ReadOnlyMemory<byte> Tsdu, CotpTpdu? Control, DecodeFailure Failure);

/// <summary>
/// Reads TPKT frames from a stream (RFC 1006 over TCP), decodes their COTP TPDUs and joins DT
/// segments into TSDUs. One buffer, no copies for a TSDU that arrives in one DT: the TSDU
/// returned is a slice of the buffer, valid until the next call. Not thread-safe: one reader.
/// </summary>
public sealed class TransportReader
{
    private readonly Stream _stream;
    private readonly TsduReassembly _reassembly;
    private byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    /// <summary>A reader of <paramref name="stream"/> accepting TSDUs up to <paramref name="maxTsduSize"/> octets.</summary>
    public TransportReader(Stream stream, int maxTsduSize)
    {
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        _reassembly = new TsduReassembly(maxTsduSize);
    }

    /// <summary>Reads the next unit.</summary>
    public async ValueTask<TransportUnit> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (TryTakeUnit(out var unit))
            {
                return unit;
            }

            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, Tpkt.MaxFrameSize + 1));
            }

            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return _end == 0 && _reassembly.Pending == 0
                    ? new TransportUnit(TransportUnitKind.EndOfStream, default, null, default)
                    : new TransportUnit(TransportUnitKind.Malformed, default, null, new DecodeFailure(
                        StackLayer.Tpkt,
                        DecodeError.Truncated,
                        0,
                        string.Create(CultureInfo.InvariantCulture, $"the stream ended inside a frame or a TSDU ({_end} octets buffered, {_reassembly.Pending} reassembled)")));
            }

            _end += read;
        }
    }

    private bool TryTakeUnit(out TransportUnit unit)
    {
        while (true)
        {
            unit = default;
            var available = _end - _start;
            if (available < Tpkt.HeaderSize)
            {
                return false;
            }

            if (!Tpkt.TryReadHeader(_buffer.AsSpan(_start, Tpkt.HeaderSize), out var frameLength, out var failure))
            {
                unit = new TransportUnit(TransportUnitKind.Malformed, default, null, failure);
                return true;
            }

            if (available < frameLength)
            {
                return false;
            }

            var tpdu = _buffer.AsMemory(_start + Tpkt.HeaderSize, frameLength - Tpkt.HeaderSize);
            _start += frameLength;
            if (!CotpCodec.TryDecode(tpdu, out var decoded, out failure))
            {
                unit = new TransportUnit(TransportUnitKind.Malformed, default, null, failure);
                return true;
            }

            if (decoded is not CotpData data)
            {
                unit = new TransportUnit(TransportUnitKind.Control, default, decoded, default);
                return true;
            }

            if (_reassembly.TryAdd(data, out var tsdu, out failure))
            {
                unit = new TransportUnit(TransportUnitKind.Tsdu, tsdu, null, default);
                return true;
            }

            if (failure.Error != DecodeError.None)
            {
                unit = new TransportUnit(TransportUnitKind.Malformed, default, null, failure);
                return true;
            }
        }
    }
}

/// <summary>
/// Writes TSDUs and control TPDUs to a stream, one writer at a time (a lock), each TSDU as the
/// DTs the negotiated TPDU size allows. A TSDU built with <see cref="BeginTsdu"/> has room for
/// its TPKT and DT headers in front, so one that fits one DT is sent without a copy.
/// </summary>
public sealed class TransportWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly SemaphoreSlim _lock = new(1, 1);

    /// <summary>A writer to <paramref name="stream"/> with DTs of at most <paramref name="tpduSize"/> octets.</summary>
    public TransportWriter(Stream stream, int tpduSize = CotpCodec.DefaultTpduSize)
    {
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        TpduSize = tpduSize;
    }

    /// <summary>The largest TPDU sent: the size CR/CC negotiated.</summary>
    public int TpduSize { get; set; }

    /// <summary>Octets written, for statistics.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Starts a TSDU in <paramref name="writer"/> (which must be empty): reserves the 7 octets of TPKT and DT headers.</summary>
    public static void BeginTsdu(BerWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteBytes([0, 0, 0, 0, 0, 0, 0]);
    }

    /// <summary>Sends the TSDU that <paramref name="writer"/> holds after <see cref="BeginTsdu"/>.</summary>
    public async ValueTask SendTsduAsync(BerWriter writer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ReadOnlyMemory<byte> bytes;
        ArrayBufferWriter<byte>? frames = null;
        if (writer.Length - CotpCodec.DataFrameOverhead + 3 <= TpduSize)
        {
            CotpCodec.WriteDataHeader(writer.WrittenMutable, writer.Length, endOfTsdu: true);
            bytes = writer.WrittenMemory;
        }
        else
        {
            frames = new ArrayBufferWriter<byte>(writer.Length + 64);
            CotpCodec.WriteTsdu(writer.WrittenSpan[CotpCodec.DataFrameOverhead..], TpduSize, frames);
            bytes = frames.WrittenMemory;
        }

        await WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a control TPDU (CR, CC, DR, ER).</summary>
    public async ValueTask SendControlAsync(CotpTpdu tpdu, CancellationToken cancellationToken)
    {
        var frame = new ArrayBufferWriter<byte>(64);
        CotpCodec.WriteFrame(tpdu, frame);
        await WriteAsync(frame.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends octets as they are (a test peer's malformed frames).</summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            BytesWritten += bytes.Length;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _lock.Dispose();
}
