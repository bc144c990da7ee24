using Bridge.Adapters.Modbus.Protocol;

namespace Bridge.Adapters.Modbus.Server;

/// <summary>Why the server closed a connection.</summary>
public enum ModbusCloseReason
{
    /// <summary>The master closed its side (after its answers were written).</summary>
    PeerClosed,

    /// <summary>The connection broke: a reset or another socket error.</summary>
    Reset,

    /// <summary>A frame with a bad MBAP header, or a stream that ended inside a frame (<see cref="ModbusFrameError"/>).</summary>
    ProtocolError,

    /// <summary>Nothing completed within <see cref="ModbusServerOptions.IdleTimeout"/>.</summary>
    IdleTimeout,

    /// <summary>The TLS handshake failed or took too long.</summary>
    TlsHandshakeFailed,

    /// <summary>The server is stopping.</summary>
    ServerStopping,
}

/// <summary>
/// What a <see cref="ModbusTcpServer"/> has done since it started. Read from any thread; every
/// refusal is counted by its reason.
/// </summary>
public sealed class ModbusServerCounters
{
    private readonly long[] _rejectedRequests = new long[Enum.GetValues<ModbusRequestError>().Length];
    private readonly long[] _rejectedFrames = new long[Enum.GetValues<ModbusFrameError>().Length];
    private readonly long[] _closed = new long[Enum.GetValues<ModbusCloseReason>().Length];
    private long _accepted;
    private long _refused;
    private long _open;
    private long _requests;
    private long _responses;
    private long _exceptionResponses;
    private long _handlerFailures;
    private long _handlerTimeouts;

    /// <summary>Connections accepted and served.</summary>
    public long ConnectionsAccepted => Interlocked.Read(ref _accepted);

    /// <summary>Connections closed at once because <see cref="ModbusServerOptions.MaxConnections"/> were open.</summary>
    public long ConnectionsRefused => Interlocked.Read(ref _refused);

    /// <summary>Connections open now.</summary>
    public long ConnectionsOpen => Interlocked.Read(ref _open);

    /// <summary>Whole frames received (valid or not as requests).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Answers written, exceptions included.</summary>
    public long Responses => Interlocked.Read(ref _responses);

    /// <summary>Exception responses written, whoever decided them.</summary>
    public long ExceptionResponses => Interlocked.Read(ref _exceptionResponses);

    /// <summary>Handler calls that threw or returned an answer that does not fit (answered 04).</summary>
    public long HandlerFailures => Interlocked.Read(ref _handlerFailures);

    /// <summary>Handler calls that took longer than <see cref="ModbusServerOptions.RequestTimeout"/> (answered 0x0B).</summary>
    public long HandlerTimeouts => Interlocked.Read(ref _handlerTimeouts);

    /// <summary>Requests the server refused itself, answering with an exception, for <paramref name="error"/>.</summary>
    public long RejectedRequests(ModbusRequestError error) => Interlocked.Read(ref _rejectedRequests[(int)error]);

    /// <summary>Requests the server refused itself, every reason.</summary>
    public long RejectedRequests() => Enumerable.Range(0, _rejectedRequests.Length).Sum(i => Interlocked.Read(ref _rejectedRequests[i]));

    /// <summary>Connections closed because of <paramref name="error"/> in their byte stream.</summary>
    public long RejectedFrames(ModbusFrameError error) => Interlocked.Read(ref _rejectedFrames[(int)error]);

    /// <summary>Connections closed for <paramref name="reason"/>.</summary>
    public long Closed(ModbusCloseReason reason) => Interlocked.Read(ref _closed[(int)reason]);

    internal void Accepted()
    {
        Interlocked.Increment(ref _accepted);
        Interlocked.Increment(ref _open);
    }

    internal void Refused() => Interlocked.Increment(ref _refused);

    internal void Closing(ModbusCloseReason reason)
    {
        Interlocked.Increment(ref _closed[(int)reason]);
        Interlocked.Decrement(ref _open);
    }

    internal void Request() => Interlocked.Increment(ref _requests);

    internal void Written(int responses, int exceptions)
    {
        Interlocked.Add(ref _responses, responses);
        Interlocked.Add(ref _exceptionResponses, exceptions);
    }

    internal void Rejected(ModbusRequestError error) => Interlocked.Increment(ref _rejectedRequests[(int)error]);

    internal void Rejected(ModbusFrameError error) => Interlocked.Increment(ref _rejectedFrames[(int)error]);

    internal void HandlerFailed() => Interlocked.Increment(ref _handlerFailures);

    internal void HandlerTimedOut() => Interlocked.Increment(ref _handlerTimeouts);
}
