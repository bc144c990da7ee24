using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Bridge.Adapters.Modbus.Protocol;

namespace Bridge.Adapters.Modbus.Client;

/// <summary>
/// One TCP (or TLS) connection of a <see cref="ModbusTcpClient"/>: the requests in flight by
/// transaction id, serialised writes, and a receive loop that matches answers to requests.
/// </summary>
/// <remarks>
/// The first failure (end of stream, socket error, a frame that is not Modbus TCP) breaks the
/// connection for good: every request in flight fails with <see cref="ModbusFailure.ConnectionLost"/>
/// and the client opens a new connection at its next call. An answer that fits no request in
/// flight is dropped and counted; one that does not fit its request fails that request alone.
/// </remarks>
internal sealed class ModbusClientConnection : IAsyncDisposable
{
    private const int ReadBufferSize = 4096;

    private readonly ModbusTcpClient _client;
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Dictionary<ushort, PendingRequest> _pending = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _closed = new();
    private ushort _nextTransactionId;
    private int _broken;
    private Task _receiving = Task.CompletedTask;

    private ModbusClientConnection(ModbusTcpClient client, Socket socket, Stream stream)
    {
        _client = client;
        _socket = socket;
        _stream = stream;
    }

    /// <summary>False once the connection broke or was closed.</summary>
    public bool IsOpen => Volatile.Read(ref _broken) == 0;

    /// <summary>Connects (TCP, then TLS when configured) and starts the receive loop.</summary>
    public static async Task<ModbusClientConnection> OpenAsync(ModbusTcpClient client, CancellationToken cancellationToken)
    {
        var options = client.Options;
        var socket = options.Server is IPEndPoint ip
            ? new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        Stream? stream = null;
        try
        {
            socket.NoDelay = true;
            await socket.ConnectAsync(options.Server, cancellationToken).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: false);
            if (options.Tls is { } tls)
            {
                var secure = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = secure;
                await secure.AuthenticateAsClientAsync(tls, cancellationToken).ConfigureAwait(false);
            }

            var connection = new ModbusClientConnection(client, socket, stream);
            connection._receiving = connection.ReceiveLoopAsync();
            return connection;
        }
        catch
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            socket.Dispose();
            throw;
        }
    }

    /// <summary>Takes a transaction id for a request to <paramref name="unitId"/>.</summary>
    public PendingRequest Register(byte unitId, in ModbusRequest request)
    {
        lock (_gate)
        {
            if (!IsOpen)
            {
                throw new ModbusClientException(
                    ModbusFailure.ConnectionLost,
                    $"{request} to unit {unitId} on {_client.Options.Server}: the connection broke before the request was sent",
                    unitId,
                    request.Function);
            }

            // Ids wrap at 65536; skip one still in flight (at most 256 are).
            while (_pending.ContainsKey(_nextTransactionId))
            {
                _nextTransactionId++;
            }

            var pending = new PendingRequest(_nextTransactionId++, unitId, request);
            _pending.Add(pending.TransactionId, pending);
            return pending;
        }
    }

    /// <summary>Forgets <paramref name="pending"/>: an answer for it that comes later is dropped as unmatched.</summary>
    public void Unregister(PendingRequest pending)
    {
        lock (_gate)
        {
            _pending.Remove(pending.TransactionId);
        }
    }

    /// <summary>Writes the request's frame. A socket error breaks the connection and fails the request.</summary>
    public async Task WriteAsync(PendingRequest pending, CancellationToken cancellationToken)
    {
        var frame = ArrayPool<byte>.Shared.Rent(ModbusLimits.MaxAduSize);
        try
        {
            var length = ModbusTcpFrame.EncodeRequest(pending.TransactionId, pending.UnitId, pending.Request, frame);
            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await _stream.WriteAsync(frame.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                Break($"writing failed: {e.Message}", e);
            }
            catch (OperationCanceledException e)
            {
                // Part of the frame may be out: the stream can no longer be trusted.
                Break("a write was cut short by a timeout or a cancellation", e);
                throw;
            }
            finally
            {
                _writeLock.Release();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Break("the client closed the connection", null);
        await _receiving.ConfigureAwait(false);
    }

    private async Task ReceiveLoopAsync()
    {
        await Task.Yield();
        var buffer = new byte[ReadBufferSize];
        var start = 0;
        var end = 0;
        var token = _closed.Token;
        try
        {
            while (true)
            {
                while (true)
                {
                    if (!ModbusTcpFrame.TryRead(buffer.AsSpan(start, end - start), out var header, out var error))
                    {
                        if (error == ModbusFrameError.Incomplete)
                        {
                            break;
                        }

                        Break($"the server sent a frame that is not Modbus TCP ({error.Describe()}; it starts {Convert.ToHexString(buffer, start, Math.Min(end - start, ModbusLimits.MbapHeaderSize))})", null);
                        return;
                    }

                    Deliver(header, buffer.AsMemory(start + ModbusLimits.MbapHeaderSize, header.PduLength));
                    start += header.FrameLength;
                }

                if (start == end)
                {
                    start = end = 0;
                }
                else if (buffer.Length - end < ModbusLimits.MaxAduSize)
                {
                    buffer.AsSpan(start, end - start).CopyTo(buffer);
                    end -= start;
                    start = 0;
                }

                var read = await _stream.ReadAsync(buffer.AsMemory(end), token).ConfigureAwait(false);
                if (read == 0)
                {
                    Break(end > start ? "the server closed the connection inside a frame" : "the server closed the connection", null);
                    return;
                }

                end += read;
            }
        }
        catch (OperationCanceledException)
        {
            // Closed by us.
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            Break($"reading failed: {e.Message}", e);
        }
    }

    private void Deliver(MbapHeader header, ReadOnlyMemory<byte> pdu)
    {
        PendingRequest? pending;
        lock (_gate)
        {
            _pending.Remove(header.TransactionId, out pending);
        }

        if (pending is null)
        {
            _client.Counters.Unmatched();
            ModbusClientLog.Unmatched(_client.Logger, header.TransactionId, _client.Options.Server);
            return;
        }

        if (header.UnitId != pending.UnitId)
        {
            pending.Completion.TrySetException(new ModbusClientException(
                ModbusFailure.MalformedResponse,
                string.Create(CultureInfo.InvariantCulture, $"{pending.Request} to unit {pending.UnitId} on {_client.Options.Server}: the answer names unit {header.UnitId}"),
                pending.UnitId,
                pending.Request.Function,
                responseError: ModbusResponseError.EchoMismatch));
            return;
        }

        if (!ModbusPdu.TryDecodeResponse(pdu, pending.Request, out var response, out var error))
        {
            pending.Completion.TrySetException(new ModbusClientException(
                ModbusFailure.MalformedResponse,
                string.Create(CultureInfo.InvariantCulture, $"{pending.Request} to unit {pending.UnitId} on {_client.Options.Server}: the answer is malformed: {error.Describe()} ({Convert.ToHexString(pdu.Span)})"),
                pending.UnitId,
                pending.Request.Function,
                responseError: error));
            return;
        }

        // The receive buffer is reused: the caller gets values of its own.
        pending.Completion.TrySetResult(response.WithOwnData());
    }

    private void Break(string reason, Exception? cause)
    {
        if (Interlocked.Exchange(ref _broken, 1) != 0)
        {
            return;
        }

        List<PendingRequest> failed;
        lock (_gate)
        {
            failed = [.. _pending.Values];
            _pending.Clear();
        }

        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already gone.
        }

        _stream.Dispose();
        _socket.Dispose();
        _client.OnConnectionBroken(this, reason, failed.Count);
        foreach (var pending in failed)
        {
            pending.Completion.TrySetException(new ModbusClientException(
                ModbusFailure.ConnectionLost,
                $"{pending.Request} to unit {pending.UnitId} on {_client.Options.Server}: connection lost before the answer: {reason}",
                pending.UnitId,
                pending.Request.Function,
                innerException: cause));
        }
    }
}

/// <summary>A request sent (or about to be) on a connection, waiting for its answer.</summary>
internal sealed class PendingRequest(ushort transactionId, byte unitId, ModbusRequest request)
{
    public ushort TransactionId { get; } = transactionId;

    public byte UnitId { get; } = unitId;

    public ModbusRequest Request { get; } = request;

    public TaskCompletionSource<ModbusResponse> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
