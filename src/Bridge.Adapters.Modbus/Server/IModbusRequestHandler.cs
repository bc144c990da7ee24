using Bridge.Adapters.Modbus.Protocol;

namespace Bridge.Adapters.Modbus.Server;

/// <summary>
/// Answers the requests a <see cref="ModbusTcpServer"/> decoded. The server calls it for valid
/// requests of the nine supported function codes only; malformed ones are answered by the server
/// itself (docs/modbus.md).
/// </summary>
/// <remarks>
/// <para>
/// Calls come concurrently: up to <see cref="ModbusServerOptions.MaxRequestsInFlightPerConnection"/>
/// per connection, from every connection at once. Answer synchronously when the answer is at hand
/// (a completed <see cref="ValueTask{TResult}"/> costs no allocation); await when it is not (an
/// aggregation request, a hand-over to the multicast layer). Do not block the calling thread.
/// </para>
/// <para>
/// Build the answer from the request (<see cref="ModbusResponse.Registers"/>,
/// <see cref="ModbusResponse.Coils"/>, <see cref="ModbusResponse.Written"/>,
/// <see cref="ModbusResponse.Exception(in ModbusRequest, ModbusExceptionCode)"/>). An answer that
/// does not fit the request, or a thrown exception, is logged as an error and answered with
/// exception 04 (server device failure). An answer later than
/// <see cref="ModbusRequestContext.Timeout"/> is not awaited: the master gets exception 0x0B
/// (gateway target device failed to respond) and the late answer is dropped. The token is
/// cancelled when the connection closes or the server stops.
/// </para>
/// </remarks>
public interface IModbusRequestHandler
{
    /// <summary>Answers <paramref name="request"/>, which came with <paramref name="context"/>.</summary>
    ValueTask<ModbusResponse> HandleAsync(ModbusRequestContext context, ModbusRequest request, CancellationToken cancellationToken);
}
