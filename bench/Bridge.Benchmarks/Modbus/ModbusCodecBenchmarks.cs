using System.Buffers;
using BenchmarkDotNet.Attributes;
using Bridge.Adapters.Modbus.Protocol;

namespace Bridge.Benchmarks.Modbus;

/// <summary>
/// Cost of the Modbus TCP codec per frame, as the server and the client use it: encoding a whole
/// frame (MBAP header and PDU) into a reused buffer, and decoding one (framing with
/// <see cref="ModbusTcpFrame.TryRead"/>, then the PDU). Three exchanges: FC 3 reading N holding
/// registers (the request, then the answer with N values), and FC 16 writing N registers (the
/// request with N values).
/// </summary>
/// <remarks>BenchmarkDotNet derives a runner from this class, so it stays public and unsealed.</remarks>
[MemoryDiagnoser]
public class ModbusCodecBenchmarks
{
    private readonly ArrayBufferWriter<byte> _writer = new(ModbusLimits.MaxAduSize);
    private ModbusRequest _read;
    private ModbusResponse _readAnswer;
    private ModbusRequest _write;
    private byte[] _readFrame = [];
    private byte[] _readAnswerFrame = [];
    private byte[] _writeFrame = [];

    /// <summary>Registers per request: one, and near the most one frame carries (FC 3 allows 125, FC 16 123).</summary>
    [Params(1, 120)]
    public int Registers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var values = Enumerable.Range(0, Registers).Select(static v => (ushort)(v * 257)).ToArray();
        _read = ModbusRequest.ReadHoldingRegisters(100, (ushort)Registers);
        _readAnswer = ModbusResponse.Registers(_read, values);
        _write = ModbusRequest.WriteMultipleRegisters(100, values);
        _readFrame = Frame(w => ModbusTcpFrame.EncodeRequest(7, 1, _read, w));
        _readAnswerFrame = Frame(w => ModbusTcpFrame.EncodeResponse(7, 1, _readAnswer, w));
        _writeFrame = Frame(w => ModbusTcpFrame.EncodeRequest(7, 1, _write, w));

        // A benchmark that silently measured the rejection path would be worthless.
        if (DecodeReadRequest() != Registers || DecodeReadResponse() != Registers || DecodeWriteRequest() != Registers)
        {
            throw new InvalidOperationException("an encoded frame does not decode back");
        }
    }

    [Benchmark]
    public int EncodeReadRequest()
    {
        _writer.ResetWrittenCount();
        return ModbusTcpFrame.EncodeRequest(7, 1, _read, _writer);
    }

    [Benchmark]
    public int DecodeReadRequest()
    {
        ModbusTcpFrame.TryRead(_readFrame, out var header, out _);
        ModbusPdu.TryDecodeRequest(_readFrame.AsMemory(ModbusLimits.MbapHeaderSize, header.PduLength), out var request, out _);
        return request.Read.Count;
    }

    [Benchmark]
    public int EncodeReadResponse()
    {
        _writer.ResetWrittenCount();
        return ModbusTcpFrame.EncodeResponse(7, 1, _readAnswer, _writer);
    }

    [Benchmark]
    public int DecodeReadResponse()
    {
        ModbusTcpFrame.TryRead(_readAnswerFrame, out var header, out _);
        ModbusPdu.TryDecodeResponse(_readAnswerFrame.AsMemory(ModbusLimits.MbapHeaderSize, header.PduLength), _read, out var response, out _);
        return response.ReadCount;
    }

    [Benchmark]
    public int EncodeWriteRequest()
    {
        _writer.ResetWrittenCount();
        return ModbusTcpFrame.EncodeRequest(7, 1, _write, _writer);
    }

    [Benchmark]
    public int DecodeWriteRequest()
    {
        ModbusTcpFrame.TryRead(_writeFrame, out var header, out _);
        ModbusPdu.TryDecodeRequest(_writeFrame.AsMemory(ModbusLimits.MbapHeaderSize, header.PduLength), out var request, out _);
        return request.Write.Count;
    }

    private static byte[] Frame(Func<ArrayBufferWriter<byte>, int> encode)
    {
        var writer = new ArrayBufferWriter<byte>();
        encode(writer);
        return writer.WrittenSpan.ToArray();
    }
}
