using System.Net;
using System.Net.Sockets;

namespace Bridge.Adapters.Modbus.Tests.Support;

/// <summary>A listening socket on loopback whose connections a test answers by hand (<see cref="RawModbusConnection"/>).</summary>
internal sealed class ScriptedServer : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public ScriptedServer()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(16);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
    }

    public IPEndPoint EndPoint { get; }

    public async Task<RawModbusConnection> AcceptAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return RawModbusConnection.Accepted(await _listener.AcceptAsync(timeout.Token));
    }

    public void Dispose() => _listener.Dispose();
}
