using System.Buffers;
using BenchmarkDotNet.Attributes;
using Bridge.Adapters.Iec61850.Goose;
using Bridge.Adapters.Iec61850.RGoose;

namespace Bridge.Benchmarks.Goose;

/// <summary>
/// Cost per GOOSE APDU of our span-based BER codec against System.Formats.Asn1 (AsnReader and
/// AsnWriter), decoding and encoding, with allocations; plus a whole Ethernet frame and a whole
/// R-GOOSE datagram through the view decoder (the tunnel's per-frame path).
/// </summary>
/// <remarks>
/// Two datasets: <c>Capture</c> is libiec61850's example APDU of the reference capture (3 values,
/// 176 bytes); <c>Feeder</c> is a larger one (16 structures of stVal, q and t, as a protection
/// dataset of a bay holds, 8 floats, about 560 bytes). BenchmarkDotNet derives a runner from this
/// class, so it stays public and unsealed.
/// </remarks>
[MemoryDiagnoser]
public class GooseCodecBenchmarks
{
    private readonly ArrayBufferWriter<byte> _writer = new(2048);
    private GooseApdu _apdu = null!;
    private GooseApduView _view;
    private ReadOnlyMemory<byte> _bytes;
    private ReadOnlyMemory<byte> _frame;
    private ReadOnlyMemory<byte> _datagram;

    [Params("Capture", "Feeder")]
    public string Dataset { get; set; } = "Capture";

    [GlobalSetup]
    public void Setup()
    {
        _apdu = Dataset == "Capture" ? CaptureApdu() : FeederApdu();
        var writer = new ArrayBufferWriter<byte>();
        GooseCodec.Encode(_apdu, writer);
        _bytes = writer.WrittenMemory.ToArray();
        if (!GooseCodec.TryDecodeView(_bytes, out _view, out var rejection))
        {
            throw new InvalidOperationException($"the dataset does not decode: {rejection}");
        }

        var frame = new ArrayBufferWriter<byte>();
        GooseFrameCodec.Encode(new GooseFrameHeader { Destination = MacAddress.Goose(1), Source = new MacAddress(0x02_00_61_85_00_01), Vlan = new VlanTag(4, false, 0), AppId = 1000 }, _bytes.Span, frame);
        _frame = frame.WrittenMemory.ToArray();
        var header = new RGooseSessionHeader { SpduNumber = 7 };
        var datagram = new byte[RGooseCodec.GetEncodedSize(header, _bytes.Length)];
        RGooseCodec.Encode(header, 0x4001, false, _bytes.Span, datagram);
        _datagram = datagram;

        // A benchmark that silently measured a rejection or another result would be worthless.
        if (!_apdu.Equals(GooseAsn1Codec.Decode(_bytes)) || !_apdu.Equals(Decode())
            || !GooseCodec.TryDecode(GooseAsn1Codec.Encode(_apdu), out var fromAsn, out _) || !_apdu.Equals(fromAsn)
            || DecodeView() != _apdu.SqNum || DecodeFrame() != _apdu.SqNum || DecodeRGoose() != _apdu.SqNum
            || Encode() != _bytes.Length || EncodeView() != _bytes.Length)
        {
            throw new InvalidOperationException("the codecs disagree on the dataset");
        }
    }

    [Benchmark(Baseline = true)]
    public uint DecodeView()
    {
        GooseCodec.TryDecodeView(_bytes, out var view, out _);
        return view.SqNum;
    }

    [Benchmark]
    public GooseApdu Decode()
    {
        GooseCodec.TryDecode(_bytes, out var apdu, out _);
        return apdu!;
    }

    [Benchmark]
    public GooseApdu DecodeAsnReader() => GooseAsn1Codec.Decode(_bytes);

    [Benchmark]
    public int Encode()
    {
        _writer.ResetWrittenCount();
        return GooseCodec.Encode(_apdu, _writer);
    }

    [Benchmark]
    public int EncodeView()
    {
        _writer.ResetWrittenCount();
        return GooseCodec.Encode(_view, _writer);
    }

    [Benchmark]
    public byte[] EncodeAsnWriter() => GooseAsn1Codec.Encode(_apdu);

    [Benchmark]
    public uint DecodeFrame()
    {
        GooseFrameCodec.TryDecode(_frame, out var frame, out _);
        GooseCodec.TryDecodeView(frame.Apdu, out var view, out _);
        return view.SqNum;
    }

    [Benchmark]
    public uint DecodeRGoose()
    {
        RGooseCodec.TryDecode(_datagram, out var spdu, out _);
        var reader = new RGoosePayloadReader(spdu.UserData);
        reader.TryRead(out var payload, out _);
        GooseCodec.TryDecodeView(payload.Apdu, out var view, out _);
        return view.SqNum;
    }

    internal static GooseApdu CaptureApdu() => new()
    {
        GocbRef = "simpleIOGenericIO/LLN0$GO$gcbAnalogValues",
        TimeAllowedToLive = 500,
        DatSet = "simpleIOGenericIO/LLN0$AnalogValues",
        GoId = "simpleIOGenericIO/LLN0$GO$gcbAnalogValues",
        T = new UtcTime(0x6b12c537, 0x4353f7, 0x0a),
        StNum = 1,
        SqNum = 0,
        ConfRev = 1,
        AllData = [new GooseInteger(1234), new GooseBinaryTime(new BinaryTime(0, 0)), new GooseInteger(5678)],
    };

    private static GooseApdu FeederApdu()
    {
        var values = new List<GooseData>();
        for (var i = 0; i < 16; i++)
        {
            values.Add(new GooseStructure(
            [
                new GooseBitString(new byte[] { 0x80 }, 6),
                new GooseBitString(new byte[] { 0x00, 0x00 }, 3),
                new GooseUtcTime(new UtcTime(0x6b12c537, (uint)(i * 4096), 0x0a)),
            ]));
        }

        for (var i = 0; i < 8; i++)
        {
            values.Add(new GooseFloat32(230.5f + i));
        }

        return new GooseApdu
        {
            GocbRef = "FEEDER12PROT/LLN0$GO$gcbTripAndPositions",
            TimeAllowedToLive = 2000,
            DatSet = "FEEDER12PROT/LLN0$TripAndPositions",
            GoId = "FEEDER12_TRIP",
            T = new UtcTime(0x6b12c537, 0x4353f7, 0x0a),
            StNum = 17,
            SqNum = 123456,
            ConfRev = 3,
            AllData = values,
        };
    }
}
