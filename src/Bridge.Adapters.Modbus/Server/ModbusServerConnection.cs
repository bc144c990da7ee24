using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Bridge.Adapters.Modbus.Protocol;
using Bridge.Adapters.Modbus.Security;
using Microsoft.Extensions.Logging;

namespace Bridge.Adapters.Modbus.Server;

/// <summary>
/// One master's connection: a read loop that frames and dispatches requests, a write loop that
/// sends answers as they complete, and an idle timer.
/// </summary>
/// <remarks>
/// <para>
/// In-flight slots: the read loop takes a slot before it dispatches a frame and the write loop
/// gives it back once the answer is written, so at most
/// <see cref="ModbusServerOptions.MaxRequestsInFlightPerConnection"/> requests of this connection
/// are being handled or waiting to be written; with none free the read loop waits and the master's
/// further requests stay in the TCP buffers. Every answer goes through the outgoing channel, whose
/// contents therefore never exceed one write buffer.
/// </para>
/// <para>
/// Closing: a bad MBAP header, or the master closing its side, ends the read loop; what was
/// accepted before is still answered (waiting at most the idle timeout), then the connection
/// closes. An idle timeout, a socket error or the server stopping closes it at once.
/// </para>
/// </remarks>
[SuppressMessage("Design", "CA1001", Justification = "RunAsync disposes the token source when the connection ends; the semaphore is never disposed because late handler answers still release it, and it has no wait handle to free.")]
internal sealed class ModbusServerConnection
{
    private const int ReadBufferSize = 4096;

    private readonly ModbusTcpServer _server;
    private readonly Socket _socket;
    private readonly SemaphoreSlim _slots;
    private readonly Channel<Outgoing> _outgoing = Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _closing = new();
    private readonly ModbusServerOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private Stream? _stream;
    private ITimer? _idleTimer;
    private long _lastActivity;
    private long _requests;
    private int _closeReason = -1;

    public ModbusServerConnection(ModbusTcpServer server, long id, Socket socket)
    {
        _server = server;
        _socket = socket;
        _options = server.Options;
        _logger = server.Logger;
        _time = server.Time;
        _slots = new SemaphoreSlim(_options.MaxRequestsInFlightPerConnection, _options.MaxRequestsInFlightPerConnection);
        Id = id;
        Info = new ModbusConnectionInfo(id, RemoteOf(socket), LocalOf(socket), null, null);
    }

    public long Id { get; }

    public ModbusConnectionInfo Info { get; private set; }

    public Task Completion { get; private set; } = Task.CompletedTask;

    private int InFlight => _options.MaxRequestsInFlightPerConnection - _slots.CurrentCount;

    public void Start()
    {
        _socket.NoDelay = true;
        Completion = RunAsync();
    }

    /// <summary>Closes the connection for <paramref name="reason"/> (the first reason given wins).</summary>
    public void Close(ModbusCloseReason reason)
    {
        Interlocked.CompareExchange(ref _closeReason, (int)reason, -1);
        try
        {
            _closing.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already closed.
        }
    }

    private async Task RunAsync()
    {
        // Let the accept loop go on at once: a TLS handshake must not hold it up.
        await Task.Yield();
        try
        {
            if (!await OpenStreamAsync().ConfigureAwait(false))
            {
                return;
            }

            ModbusServerLog.Accepted(_logger, Info, Info.LocalEndPoint);
            Touch();
            _idleTimer = _time.CreateTimer(static state => ((ModbusServerConnection)state!).OnIdleTimer(), this, _options.IdleTimeout, Timeout.InfiniteTimeSpan);
            var writing = WriteLoopAsync();
            var ended = await ReadLoopAsync().ConfigureAwait(false);
            if (ended is ModbusCloseReason.PeerClosed or ModbusCloseReason.ProtocolError)
            {
                await DrainAsync().ConfigureAwait(false);
            }

            Close(ended);
            _outgoing.Writer.TryComplete();
            await writing.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // A bug of ours: log it and close this connection, never the server.
            ModbusServerLog.ConnectionFailed(_logger, e, Info);
            Close(ModbusCloseReason.Reset);
        }
        finally
        {
            var reason = (ModbusCloseReason)Volatile.Read(ref _closeReason);
            if (_idleTimer is not null)
            {
                await _idleTimer.DisposeAsync().ConfigureAwait(false);
            }

            _outgoing.Writer.TryComplete();
            if (_stream is not null)
            {
                await _stream.DisposeAsync().ConfigureAwait(false);
            }

            _socket.Dispose();
            _closing.Dispose();
            _server.Counters.Closing(reason);
            _server.Remove(this);
            ModbusServerLog.Closed(_logger, Info, reason, Interlocked.Read(ref _requests));
        }
    }

    private async Task<bool> OpenStreamAsync()
    {
        var network = new NetworkStream(_socket, ownsSocket: false);
        if (_options.Tls is not { } tls)
        {
            _stream = network;
            return true;
        }

        var secure = new SslStream(network, leaveInnerStreamOpen: false);
        _stream = secure;
        using var timeout = new CancellationTokenSource(_options.TlsHandshakeTimeout, _time);
        using var handshake = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token, timeout.Token);
        try
        {
            await secure.AuthenticateAsServerAsync(tls, handshake.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or SocketException or OperationCanceledException)
        {
            var reason = e is OperationCanceledException
                ? string.Create(CultureInfo.InvariantCulture, $"no handshake within {_options.TlsHandshakeTimeout.TotalSeconds} s")
                : e.Message;
            ModbusServerLog.TlsFailed(_logger, Info.RemoteEndPoint, reason);
            Close(_closing.IsCancellationRequested && !timeout.IsCancellationRequested ? ModbusCloseReason.ServerStopping : ModbusCloseReason.TlsHandshakeFailed);
            return false;
        }

        var certificate = secure.RemoteCertificate switch
        {
            null => null,
            X509Certificate2 full => full,
            var other => X509CertificateLoader.LoadCertificate(other.GetRawCertData()),
        };
        Info = new ModbusConnectionInfo(Id, Info.RemoteEndPoint, Info.LocalEndPoint, certificate, ModbusSecurityRole.TryRead(certificate));
        return true;
    }

    private async Task<ModbusCloseReason> ReadLoopAsync()
    {
        var stream = _stream!;
        var buffer = new byte[ReadBufferSize];
        var start = 0;
        var end = 0;
        var token = _closing.Token;
        while (true)
        {
            // Every whole frame in the buffer, in order.
            while (true)
            {
                if (!ModbusTcpFrame.TryRead(buffer.AsSpan(start, end - start), out var header, out var error))
                {
                    if (error == ModbusFrameError.Incomplete)
                    {
                        break;
                    }

                    RejectFrame(error, buffer.AsSpan(start, Math.Min(end - start, ModbusLimits.MbapHeaderSize)));
                    return ModbusCloseReason.ProtocolError;
                }

                Touch();
                Interlocked.Increment(ref _requests);
                _server.Counters.Request();
                var pdu = buffer.AsMemory(start + ModbusLimits.MbapHeaderSize, header.PduLength);
                start += header.FrameLength;
                try
                {
                    await _slots.WaitAsync(token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return ClosedFor(ModbusCloseReason.ServerStopping);
                }

                Dispatch(header, pdu);
            }

            // Keep room for a whole frame at the end of the buffer.
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

            int read;
            try
            {
                read = await stream.ReadAsync(buffer.AsMemory(end), token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return ClosedFor(ModbusCloseReason.ServerStopping);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                return ClosedFor(ModbusCloseReason.Reset);
            }

            if (read == 0)
            {
                if (end > start)
                {
                    RejectFrame(ModbusFrameError.Truncated, buffer.AsSpan(start, end - start));
                    return ModbusCloseReason.ProtocolError;
                }

                return ModbusCloseReason.PeerClosed;
            }

            end += read;
        }
    }

    private void Dispatch(MbapHeader header, ReadOnlyMemory<byte> pdu)
    {
        if (!ModbusPdu.TryDecodeRequest(pdu, out var request, out var error))
        {
            var code = error.ExceptionCode();
            _server.Counters.Rejected(error);
            ModbusServerLog.RequestRejected(_logger, (byte)request.Function, Info, header.TransactionId, header.UnitId, code, error.Describe());
            Enqueue(header, ModbusResponse.Exception(request.Function, code));
            return;
        }

        // The read buffer is reused for the next frames: the handler gets values of its own.
        request = request.WithOwnData();
        var context = new ModbusRequestContext(Info, header.TransactionId, header.UnitId, _options.RequestTimeout);
        ValueTask<ModbusResponse> answer;
        try
        {
            answer = _server.Handler.HandleAsync(context, request, _closing.Token);
        }
        catch (Exception e)
        {
            HandlerFailed(e, request, header);
            return;
        }

        if (answer.IsCompletedSuccessfully)
        {
            Complete(header, request, answer.Result);
        }
        else
        {
            _ = AwaitAnswerAsync(header, request, answer);
        }
    }

    private async Task AwaitAnswerAsync(MbapHeader header, ModbusRequest request, ValueTask<ModbusResponse> answer)
    {
        ModbusResponse response;
        try
        {
            response = await answer.AsTask().WaitAsync(_options.RequestTimeout, _time, _closing.Token).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _server.Counters.HandlerTimedOut();
            ModbusServerLog.HandlerTimedOut(_logger, request, Info, header.UnitId, _options.RequestTimeout.TotalMilliseconds);
            Enqueue(header, ModbusResponse.Exception(request, ModbusExceptionCode.GatewayTargetDeviceFailedToRespond));
            return;
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            // The connection is closing: nobody to answer.
            _slots.Release();
            return;
        }
        catch (Exception e)
        {
            HandlerFailed(e, request, header);
            return;
        }

        Complete(header, request, response);
    }

    private void Complete(MbapHeader header, in ModbusRequest request, ModbusResponse response)
    {
        var fit = response.CheckAgainst(request);
        if (fit != ModbusResponseError.None)
        {
            _server.Counters.HandlerFailed();
            ModbusServerLog.HandlerAnswerInvalid(_logger, request, Info, response, fit.Describe());
            response = ModbusResponse.Exception(request, ModbusExceptionCode.ServerDeviceFailure);
        }

        Enqueue(header, response);
    }

    private void HandlerFailed(Exception e, in ModbusRequest request, MbapHeader header)
    {
        _server.Counters.HandlerFailed();
        ModbusServerLog.HandlerFailed(_logger, e, request, Info, header.UnitId);
        Enqueue(header, ModbusResponse.Exception(request, ModbusExceptionCode.ServerDeviceFailure));
    }

    private void Enqueue(MbapHeader header, ModbusResponse response)
    {
        if (!_outgoing.Writer.TryWrite(new Outgoing(header.TransactionId, header.UnitId, response)))
        {
            // Closed: the answer has nowhere to go; give its slot back all the same.
            _slots.Release();
        }
    }

    private async Task WriteLoopAsync()
    {
        var stream = _stream!;
        var reader = _outgoing.Reader;
        var buffer = new byte[_options.MaxRequestsInFlightPerConnection * ModbusLimits.MaxAduSize];
        try
        {
            while (await reader.WaitToReadAsync(_closing.Token).ConfigureAwait(false))
            {
                // Everything answered so far in one write; the slots bound it to the buffer's size.
                var length = 0;
                var count = 0;
                var exceptions = 0;
                while (length + ModbusLimits.MaxAduSize <= buffer.Length && reader.TryRead(out var item))
                {
                    length += ModbusTcpFrame.EncodeResponse(item.TransactionId, item.UnitId, item.Response, buffer.AsSpan(length));
                    count++;
                    exceptions += item.Response.IsException ? 1 : 0;
                }

                // Activity is the answer handed to the socket, not the write's completion: the
                // master may read the answer and fall silent before this thread runs again, and a
                // later stamp would restart the idle period the master already began.
                Touch();
                await stream.WriteAsync(buffer.AsMemory(0, length), _closing.Token).ConfigureAwait(false);
                _server.Counters.Written(count, exceptions);
                _slots.Release(count);
            }
        }
        catch (OperationCanceledException)
        {
            // Closing.
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            Close(ModbusCloseReason.Reset);
        }
    }

    private async Task DrainAsync()
    {
        // Wait until every slot is back: every accepted request answered and written.
        using var timeout = new CancellationTokenSource(_options.IdleTimeout, _time);
        using var drain = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token, timeout.Token);
        try
        {
            for (var i = 0; i < _options.MaxRequestsInFlightPerConnection; i++)
            {
                await _slots.WaitAsync(drain.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Gave up waiting (or the server is stopping): close with what was written.
        }
    }

    private void OnIdleTimer()
    {
        var idle = _time.GetElapsedTime(Interlocked.Read(ref _lastActivity));
        if (idle >= _options.IdleTimeout)
        {
            Close(ModbusCloseReason.IdleTimeout);
            return;
        }

        try
        {
            _idleTimer?.Change(_options.IdleTimeout - idle, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // The connection closed meanwhile.
        }
    }

    private void Touch() => Interlocked.Exchange(ref _lastActivity, _time.GetTimestamp());

    private ModbusCloseReason ClosedFor(ModbusCloseReason fallback)
    {
        var reason = Volatile.Read(ref _closeReason);
        return reason < 0 ? fallback : (ModbusCloseReason)reason;
    }

    private void RejectFrame(ModbusFrameError error, ReadOnlySpan<byte> start)
    {
        _server.Counters.Rejected(error);
        ModbusServerLog.FrameRejected(_logger, Info, error, $"{error.Describe()}; frame starts {Convert.ToHexString(start)}");
    }

    private static System.Net.EndPoint? RemoteOf(Socket socket)
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

    private static System.Net.EndPoint? LocalOf(Socket socket)
    {
        try
        {
            return socket.LocalEndPoint;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private readonly record struct Outgoing(ushort TransactionId, byte UnitId, ModbusResponse Response);
}
