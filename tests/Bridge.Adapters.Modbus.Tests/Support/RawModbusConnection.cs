using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Bridge.Adapters.Modbus.Tests.Support;

/// <summary>
/// A plain TCP socket to a Modbus server, for sending whatever bytes a test likes (malformed
/// frames among them) and reading exactly what comes back, each wait with a deadline.
/// </summary>
internal sealed class RawModbusConnection : IAsyncDisposable
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(30);
    private readonly Socket _socket;
    private readonly List<byte> _received = [];

    private RawModbusConnection(Socket socket) => _socket = socket;

    /// <summary>The server end of a connection a test accepted, for playing a scripted server.</summary>
    public static RawModbusConnection Accepted(Socket socket) => new(socket);

    public static async Task<RawModbusConnection> ConnectAsync(IPEndPoint server)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = new CancellationTokenSource(DefaultWait);
        await socket.ConnectAsync(server, timeout.Token);
        return new RawModbusConnection(socket);
    }

    /// <summary>A request frame: MBAP header with the right length, then <paramref name="pdu"/>.</summary>
    public static byte[] Frame(ushort transactionId, byte unitId, params byte[] pdu)
    {
        var frame = new byte[7 + pdu.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, transactionId);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(4), (ushort)(1 + pdu.Length));
        frame[6] = unitId;
        pdu.CopyTo(frame, 7);
        return frame;
    }

    public async Task SendAsync(byte[] bytes)
    {
        using var timeout = new CancellationTokenSource(DefaultWait);
        await _socket.SendAsync(bytes, SocketFlags.None, timeout.Token);
    }

    /// <summary>Closes our sending side; the server sees the end of the stream but can still answer.</summary>
    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>Reads one whole frame (MBAP header and PDU); fails if the connection closes first.</summary>
    public async Task<(ushort TransactionId, byte UnitId, byte[] Pdu)> ReadFrameAsync(TimeSpan? wait = null)
    {
        using var timeout = new CancellationTokenSource(wait ?? DefaultWait);
        await FillAsync(7, timeout.Token);
        var length = BinaryPrimitives.ReadUInt16BigEndian(_received.ToArray().AsSpan(4));
        await FillAsync(6 + length, timeout.Token);
        var frame = _received.Take(6 + length).ToArray();
        _received.RemoveRange(0, 6 + length);
        return (BinaryPrimitives.ReadUInt16BigEndian(frame), frame[6], frame[7..]);
    }

    /// <summary>Waits until the server closes the connection; returns the bytes that came before (not yet read as frames).</summary>
    public async Task<byte[]> ReadUntilClosedAsync(TimeSpan? wait = null)
    {
        using var timeout = new CancellationTokenSource(wait ?? DefaultWait);
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var read = await _socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                if (read == 0)
                {
                    break;
                }

                _received.AddRange(buffer.AsSpan(0, read));
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            // A reset closes too.
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the server did not close the connection within {(wait ?? DefaultWait).TotalSeconds} s; it sent {_received.Count} bytes");
        }

        var rest = _received.ToArray();
        _received.Clear();
        return rest;
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task FillAsync(int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        while (_received.Count < count)
        {
            int read;
            try
            {
                read = await _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no whole frame in time: {_received.Count} of {count} bytes came");
            }

            if (read == 0)
            {
                throw new IOException($"the server closed the connection after {_received.Count} of {count} bytes");
            }

            _received.AddRange(buffer.AsSpan(0, read));
        }
    }
}
