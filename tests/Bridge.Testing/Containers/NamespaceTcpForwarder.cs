using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Bridge.Testing.Containers;

/// <summary>
/// A TCP listener on 127.0.0.1 of this process's namespace whose every connection continues to
/// 127.0.0.1:<see cref="TargetPort"/> inside the engine's namespace, where a container's published
/// port is. The tests see a broker on loopback, as with a child process; the listening port stays
/// the same when the container is restarted and the engine publishes it on another port.
/// </summary>
/// <remarks>
/// While nothing listens on the target, a connection is accepted here and then reset, so a client
/// sees its connection fail as it would against a stopped broker (a refused connection in its own
/// namespace). End of stream is passed on in each direction on its own, so half-closed
/// connections behave as they would without the forwarder.
/// </remarks>
public sealed class NamespaceTcpForwarder : IAsyncDisposable
{
    private const int BufferSize = 64 * 1024;
    private readonly ContainerEngine _engine;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Socket, byte> _open = new();
    private readonly Task _accepting;
    private int _targetPort;

    private NamespaceTcpForwarder(ContainerEngine engine, int targetPort)
    {
        _engine = engine;
        _targetPort = targetPort;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(128);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _accepting = AcceptAsync();
    }

    /// <summary>The port on 127.0.0.1 the tests connect to.</summary>
    public int Port { get; }

    /// <summary>The port on 127.0.0.1 inside the engine's namespace that connections continue to.</summary>
    public int TargetPort
    {
        get => Volatile.Read(ref _targetPort);
        set => Volatile.Write(ref _targetPort, value);
    }

    /// <summary>Starts forwarding to <paramref name="targetPort"/> in <paramref name="engine"/>'s namespace.</summary>
    public static NamespaceTcpForwarder Start(ContainerEngine engine, int targetPort)
    {
        ArgumentNullException.ThrowIfNull(engine);
        return new NamespaceTcpForwarder(engine, targetPort);
    }

    /// <summary>Stops listening and closes every forwarded connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Dispose();
        foreach (var socket in _open.Keys)
        {
            socket.Dispose();
        }

        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException && _stopping.IsCancellationRequested)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        _open.TryAdd(client, 0);
        Socket? upstream = null;
        try
        {
            upstream = await _engine.CreateTcpSocketAsync();
            _open.TryAdd(upstream, 0);
            try
            {
                await upstream.ConnectAsync(new IPEndPoint(IPAddress.Loopback, TargetPort), _stopping.Token);
            }
            catch (SocketException)
            {
                // Nothing listens there now: reset, as a refused connection would be.
                Reset(client);
                return;
            }

            await Task.WhenAll(PumpAsync(client, upstream), PumpAsync(upstream, client));
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // The forwarder stops, or a side went away: both are closed below.
        }
        finally
        {
            Close(client);
            if (upstream is not null)
            {
                Close(upstream);
            }
        }
    }

    /// <summary>Copies <paramref name="from"/> to <paramref name="to"/> until end of stream, then ends <paramref name="to"/>'s sending side.</summary>
    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[BufferSize];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stopping.Token);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                var sent = 0;
                while (sent < read)
                {
                    sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, _stopping.Token);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // One side reset: reset the other too, so that its peer notices at once.
            from.Dispose();
            Reset(to);
        }
    }

    /// <summary>Closes <paramref name="socket"/> with a reset rather than an orderly end of stream.</summary>
    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            // Already closed.
        }

        socket.Dispose();
    }

    private void Close(Socket socket)
    {
        _open.TryRemove(socket, out _);
        socket.Dispose();
    }
}
