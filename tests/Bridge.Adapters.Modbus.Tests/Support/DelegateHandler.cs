using Bridge.Adapters.Modbus.Protocol;
using Bridge.Adapters.Modbus.Server;

namespace Bridge.Adapters.Modbus.Tests.Support;

/// <summary>A request handler made of a function that answers synchronously.</summary>
internal sealed class DelegateHandler(Func<ModbusRequestContext, ModbusRequest, ModbusResponse> answer) : IModbusRequestHandler
{
    public ValueTask<ModbusResponse> HandleAsync(ModbusRequestContext context, ModbusRequest request, CancellationToken cancellationToken)
        => ValueTask.FromResult(answer(context, request));
}
