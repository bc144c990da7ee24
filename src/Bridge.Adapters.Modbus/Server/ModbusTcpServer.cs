using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bridge.Adapters.Modbus.Server;

/// <summary>
/// A Modbus TCP server (optionally Modbus/TCP Security over TLS): accepts masters' connections,
/// reads their frames, answers malformed ones itself and hands valid requests to an
/// <see cref="IModbusRequestHandler"/>. Several requests of one connection are handled at once
/// and answered in whatever order they complete, each with its transaction id.
/// </summary>
/// <remarks>
/// <para>
/// Limits (<see cref="ModbusServerOptions"/>): connections open at once; requests in flight per
/// connection (beyond them the server stops reading that connection, so a flood stays in its own
/// TCP buffers and other connections are served as before); the handler's time per request; idle
/// connections. What malformed input gets is in docs/modbus.md ("Malformed input"): exception 01,
/// 02 or 03 for a bad PDU in a sound frame; a closed connection for a bad MBAP header, a frame
/// over 260 bytes or a stream that ends inside a frame.
/// </para>
/// <para>
/// Failures of one connection never reach another or the accept loop: every connection runs its
/// own read and write loops and ends by closing only itself. <see cref="DisposeAsync"/> stops
/// accepting, closes every connection and waits for their loops.
/// </para>
/// </remarks>
public sealed class ModbusTcpServer : IAsyncDisposable
{
    private static readonly TimeSpan AcceptRetryDelay = TimeSpan.FromMilliseconds(100);

    private readonly Socket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<long, ModbusServerConnection> _connections = new();
    private Task _acceptLoop = Task.CompletedTask;
    private long _nextConnectionId;
    private int _disposed;

    private ModbusTcpServer(ModbusServerOptions options, IModbusRequestHandler handler, ILogger logger, TimeProvider time, Socket listener)
    {
        Options = options;
        Handler = handler;
        Logger = logger;
        Time = time;
        _listener = listener;
        LocalEndPoint = (IPEndPoint)listener.LocalEndPoint!;
    }

    /// <summary>Where the server listens (the port the kernel chose when the options said 0).</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>What the server has done so far.</summary>
    public ModbusServerCounters Counters { get; } = new();

    internal ModbusServerOptions Options { get; }

    internal IModbusRequestHandler Handler { get; }

    internal ILogger Logger { get; }

    internal TimeProvider Time { get; }

    /// <summary>Binds, listens and starts accepting connections.</summary>
    /// <exception cref="ArgumentException">The options are unusable; the message lists every problem.</exception>
    /// <exception cref="SocketException">The endpoint cannot be bound (in use, not an address of this host).</exception>
    public static Task<ModbusTcpServer> StartAsync(
        ModbusServerOptions options, IModbusRequestHandler handler, ILogger? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException($"invalid Modbus server options: {string.Join("; ", errors)}", nameof(options));
        }

        var listener = new Socket(options.Endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // A restarted server must get its port back while old connections sit in TIME_WAIT.
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(options.Endpoint);
            listener.Listen(Math.Max(64, options.MaxConnections));
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        var server = new ModbusTcpServer(options, handler, logger ?? NullLogger.Instance, time ?? TimeProvider.System, listener);
        ModbusServerLog.Listening(server.Logger, server.LocalEndPoint, options.Tls is null ? "plain Modbus TCP" : "Modbus/TCP Security, TLS with client certificates", options.MaxConnections, options.MaxRequestsInFlightPerConnection);
        server._acceptLoop = server.AcceptLoopAsync();
        return Task.FromResult(server);
    }

    /// <summary>Stops accepting, closes every connection (answers in flight are dropped) and waits for them.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        var connections = _connections.Values.ToList();
        foreach (var connection in connections)
        {
            connection.Close(ModbusCloseReason.ServerStopping);
        }

        await Task.WhenAll(connections.Select(static c => c.Completion)).ConfigureAwait(false);
        _stopping.Dispose();
        ModbusServerLog.Stopped(Logger, LocalEndPoint);
    }

    internal void Remove(ModbusServerConnection connection) => _connections.TryRemove(connection.Id, out _);

    private async Task AcceptLoopAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException e)
            {
                // Out of file descriptors and the like: wait a little rather than spin.
                ModbusServerLog.AcceptFailed(Logger, LocalEndPoint, e.Message);
                try
                {
                    await Task.Delay(AcceptRetryDelay, Time, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                continue;
            }

            if (_connections.Count >= Options.MaxConnections)
            {
                Counters.Refused();
                ModbusServerLog.Refused(Logger, SafeRemote(socket), _connections.Count);
                socket.Dispose();
                continue;
            }

            var connection = new ModbusServerConnection(this, Interlocked.Increment(ref _nextConnectionId), socket);
            _connections[connection.Id] = connection;
            Counters.Accepted();
            connection.Start();
        }
    }

    private static EndPoint? SafeRemote(Socket socket)
    {
        try
        {
            return socket.RemoteEndPoint;
        }
        catch (SocketException)
        {
            return null;
        }
    }
}
