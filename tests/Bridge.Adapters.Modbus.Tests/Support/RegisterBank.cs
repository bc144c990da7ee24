using System.Collections.Concurrent;
using Bridge.Adapters.Modbus.Protocol;
using Bridge.Adapters.Modbus.Server;

namespace Bridge.Adapters.Modbus.Tests.Support;

/// <summary>
/// A request handler holding the four tables in memory, <see cref="Size"/> entries each from
/// address 0 (an address past them gets exception 02), answering at once; every request it sees
/// is recorded with its context.
/// </summary>
internal sealed class RegisterBank : IModbusRequestHandler
{
    private readonly Lock _gate = new();

    public RegisterBank(int size = 100)
    {
        Size = size;
        Coils = new bool[size];
        DiscreteInputs = new bool[size];
        HoldingRegisters = new ushort[size];
        InputRegisters = new ushort[size];
        for (var a = 0; a < size; a++)
        {
            Coils[a] = a % 3 == 0;
            DiscreteInputs[a] = a % 2 == 1;
            HoldingRegisters[a] = (ushort)(1000 + a);
            InputRegisters[a] = (ushort)(2000 + a);
        }
    }

    public int Size { get; }

    public bool[] Coils { get; }

    public bool[] DiscreteInputs { get; }

    public ushort[] HoldingRegisters { get; }

    public ushort[] InputRegisters { get; }

    public ConcurrentQueue<(ModbusRequestContext Context, ModbusRequest Request)> Seen { get; } = new();

    public ValueTask<ModbusResponse> HandleAsync(ModbusRequestContext context, ModbusRequest request, CancellationToken cancellationToken)
    {
        Seen.Enqueue((context, request));
        return ValueTask.FromResult(Answer(request));
    }

    public ModbusResponse Answer(in ModbusRequest request)
    {
        if (request.Read.End > Size || request.Write.End > Size)
        {
            return ModbusResponse.Exception(request, ModbusExceptionCode.IllegalDataAddress);
        }

        lock (_gate)
        {
            // FC 23 writes before it reads (§6.17).
            if (!request.Write.IsEmpty)
            {
                if (request.Function.IsBitAccess())
                {
                    request.WrittenCoils.CopyTo(Coils.AsSpan(request.Write.Start));
                }
                else
                {
                    request.WrittenRegisters.CopyTo(HoldingRegisters.AsSpan(request.Write.Start));
                }
            }

            var read = request.Read;
            return request.Function switch
            {
                ModbusFunctionCode.ReadCoils => ModbusResponse.Coils(request, Coils.AsSpan(read.Start, read.Count)),
                ModbusFunctionCode.ReadDiscreteInputs => ModbusResponse.Coils(request, DiscreteInputs.AsSpan(read.Start, read.Count)),
                ModbusFunctionCode.ReadHoldingRegisters or ModbusFunctionCode.ReadWriteMultipleRegisters
                    => ModbusResponse.Registers(request, HoldingRegisters.AsSpan(read.Start, read.Count)),
                ModbusFunctionCode.ReadInputRegisters => ModbusResponse.Registers(request, InputRegisters.AsSpan(read.Start, read.Count)),
                _ => ModbusResponse.Written(request),
            };
        }
    }
}
