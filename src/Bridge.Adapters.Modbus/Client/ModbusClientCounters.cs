namespace Bridge.Adapters.Modbus.Client;

/// <summary>What a <see cref="ModbusTcpClient"/> has done; read from any thread.</summary>
public sealed class ModbusClientCounters
{
    private readonly long[] _failures = new long[Enum.GetValues<ModbusFailure>().Length];
    private long _requests;
    private long _succeeded;
    private long _connects;
    private long _unmatched;

    /// <summary>Calls made (each counted once, whatever became of it).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Calls that got a normal answer.</summary>
    public long Succeeded => Interlocked.Read(ref _succeeded);

    /// <summary>Connections established.</summary>
    public long Connects => Interlocked.Read(ref _connects);

    /// <summary>Answers whose transaction id matched no request in flight (late answers to timed-out requests), dropped.</summary>
    public long UnmatchedResponses => Interlocked.Read(ref _unmatched);

    /// <summary>Calls that failed with <paramref name="failure"/>.</summary>
    public long Failures(ModbusFailure failure) => Interlocked.Read(ref _failures[(int)failure]);

    internal void Request() => Interlocked.Increment(ref _requests);

    internal void Success() => Interlocked.Increment(ref _succeeded);

    internal void Failed(ModbusFailure failure) => Interlocked.Increment(ref _failures[(int)failure]);

    internal void Connected() => Interlocked.Increment(ref _connects);

    internal void Unmatched() => Interlocked.Increment(ref _unmatched);
}
