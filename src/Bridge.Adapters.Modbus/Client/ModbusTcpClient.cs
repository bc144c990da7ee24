using System.Globalization;
using Bridge.Adapters.Modbus.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bridge.Adapters.Modbus.Client;

/// <summary>
/// A Modbus TCP client (a master) for one server: each call sends one request with a transaction
/// id of its own and returns the answer, or throws a <see cref="ModbusClientException"/> that
/// says how it failed. Safe to call from many threads; up to
/// <see cref="ModbusClientOptions.MaxRequestsInFlight"/> requests are in flight at once.
/// </summary>
/// <remarks>
/// <para>
/// Connecting is lazy: the first call connects, and so does the first call after the connection
/// broke. A failed connection attempt starts a back-off (<see cref="ModbusClientOptions.ReconnectDelay"/>,
/// doubling up to <see cref="ModbusClientOptions.MaxReconnectDelay"/>): until it has passed, calls
/// fail at once with <see cref="ModbusFailure.NotConnected"/> instead of hammering a dead device.
/// <see cref="ConnectAsync"/> connects ahead of the first call.
/// </para>
/// <para>
/// Every failure is counted by kind (<see cref="Counters"/>) and logged once. A timed-out request
/// leaves the connection open: its late answer, should it come, is recognised by its transaction
/// id and dropped.
/// </para>
/// </remarks>
public sealed class ModbusTcpClient : IAsyncDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private ModbusClientConnection? _connection;
    private long _lastConnectFailure;
    private TimeSpan _reconnectDelay;
    private TimeSpan _currentDelay;
    private string? _lastConnectError;
    private int _disposed;

    /// <summary>A client for <see cref="ModbusClientOptions.Server"/>; nothing is connected yet.</summary>
    /// <exception cref="ArgumentException">The options are unusable; the message lists every problem.</exception>
    public ModbusTcpClient(ModbusClientOptions options, ILogger? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException($"invalid Modbus client options: {string.Join("; ", errors)}", nameof(options));
        }

        Options = options;
        Logger = logger ?? NullLogger.Instance;
        Time = time ?? TimeProvider.System;
        _slots = new SemaphoreSlim(options.MaxRequestsInFlight, options.MaxRequestsInFlight);
        _reconnectDelay = options.ReconnectDelay;
    }

    /// <summary>What the client has done so far.</summary>
    public ModbusClientCounters Counters { get; } = new();

    /// <summary>True while a connection is open.</summary>
    public bool IsConnected => _connection is { IsOpen: true };

    internal ModbusClientOptions Options { get; }

    internal ILogger Logger { get; }

    internal TimeProvider Time { get; }

    /// <summary>Connects now unless connected; fails as a call would (<see cref="ModbusFailure.ConnectFailed"/>, <see cref="ModbusFailure.NotConnected"/>).</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        using var timeout = new CancellationTokenSource(Options.ConnectTimeout, Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        await GetConnectionAsync(0, default, linked.Token, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends <paramref name="request"/> to unit <paramref name="unitId"/> and returns the normal
    /// answer. Throws <see cref="ModbusClientException"/> for every failure, an exception
    /// response included; <see cref="OperationCanceledException"/> only when
    /// <paramref name="cancellationToken"/> was cancelled.
    /// </summary>
    /// <param name="unitId">The MBAP unit id: 0xFF (or 0) for the server itself, the device's address behind a gateway.</param>
    /// <param name="request">The request, made with the factories of <see cref="ModbusRequest"/>.</param>
    /// <param name="timeout">This call's timeout; <see cref="ModbusClientOptions.RequestTimeout"/> when null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<ModbusResponse> SendAsync(byte unitId, ModbusRequest request, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var invalid = ModbusPdu.Validate(request);
        if (invalid != ModbusRequestError.None)
        {
            throw new ArgumentException($"not a request this client can send: {invalid.Describe()}", nameof(request));
        }

        var limit = timeout ?? Options.RequestTimeout;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(limit, TimeSpan.Zero, nameof(timeout));
        Counters.Request();
        using var deadline = new CancellationTokenSource(limit, Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var token = linked.Token;
        var haveSlot = false;
        try
        {
            await _slots.WaitAsync(token).ConfigureAwait(false);
            haveSlot = true;
            var connection = await GetConnectionAsync(unitId, request, token, cancellationToken).ConfigureAwait(false);
            var pending = connection.Register(unitId, request);
            try
            {
                await connection.WriteAsync(pending, token).ConfigureAwait(false);
                var response = await pending.Completion.Task.WaitAsync(token).ConfigureAwait(false);
                if (response.IsException)
                {
                    throw new ModbusClientException(
                        ModbusFailure.ExceptionResponse,
                        string.Create(CultureInfo.InvariantCulture, $"{request} to unit {unitId} on {Options.Server}: exception {(byte)response.ExceptionCode:X2} ({response.ExceptionCode})"),
                        unitId,
                        request.Function,
                        response.ExceptionCode);
                }

                Counters.Success();
                return response;
            }
            finally
            {
                connection.Unregister(pending);
            }
        }
        catch (OperationCanceledException e) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw Failed(new ModbusClientException(
                ModbusFailure.Timeout,
                string.Create(CultureInfo.InvariantCulture, $"{request} to unit {unitId} on {Options.Server}: no answer within {limit.TotalMilliseconds:F0} ms"),
                unitId,
                request.Function,
                innerException: e), request);
        }
        catch (ModbusClientException e)
        {
            throw Failed(e, request);
        }
        finally
        {
            if (haveSlot)
            {
                _slots.Release();
            }
        }
    }

    /// <summary>FC 1: reads <paramref name="count"/> coils from <paramref name="start"/>.</summary>
    public async Task<bool[]> ReadCoilsAsync(byte unitId, ushort start, ushort count, CancellationToken cancellationToken = default)
        => (await SendAsync(unitId, ModbusRequest.ReadCoils(start, count), cancellationToken: cancellationToken).ConfigureAwait(false)).Bits.ToArray();

    /// <summary>FC 2: reads <paramref name="count"/> discrete inputs from <paramref name="start"/>.</summary>
    public async Task<bool[]> ReadDiscreteInputsAsync(byte unitId, ushort start, ushort count, CancellationToken cancellationToken = default)
        => (await SendAsync(unitId, ModbusRequest.ReadDiscreteInputs(start, count), cancellationToken: cancellationToken).ConfigureAwait(false)).Bits.ToArray();

    /// <summary>FC 3: reads <paramref name="count"/> holding registers from <paramref name="start"/>.</summary>
    public async Task<ushort[]> ReadHoldingRegistersAsync(byte unitId, ushort start, ushort count, CancellationToken cancellationToken = default)
        => (await SendAsync(unitId, ModbusRequest.ReadHoldingRegisters(start, count), cancellationToken: cancellationToken).ConfigureAwait(false)).Words.ToArray();

    /// <summary>FC 4: reads <paramref name="count"/> input registers from <paramref name="start"/>.</summary>
    public async Task<ushort[]> ReadInputRegistersAsync(byte unitId, ushort start, ushort count, CancellationToken cancellationToken = default)
        => (await SendAsync(unitId, ModbusRequest.ReadInputRegisters(start, count), cancellationToken: cancellationToken).ConfigureAwait(false)).Words.ToArray();

    /// <summary>FC 5: switches the coil at <paramref name="address"/>.</summary>
    public Task WriteSingleCoilAsync(byte unitId, ushort address, bool value, CancellationToken cancellationToken = default)
        => SendAsync(unitId, ModbusRequest.WriteSingleCoil(address, value), cancellationToken: cancellationToken);

    /// <summary>FC 6: writes the holding register at <paramref name="address"/>.</summary>
    public Task WriteSingleRegisterAsync(byte unitId, ushort address, ushort value, CancellationToken cancellationToken = default)
        => SendAsync(unitId, ModbusRequest.WriteSingleRegister(address, value), cancellationToken: cancellationToken);

    /// <summary>FC 15: writes <paramref name="values"/> to the coils from <paramref name="start"/>.</summary>
    public Task WriteMultipleCoilsAsync(byte unitId, ushort start, ReadOnlySpan<bool> values, CancellationToken cancellationToken = default)
        => SendAsync(unitId, ModbusRequest.WriteMultipleCoils(start, values), cancellationToken: cancellationToken);

    /// <summary>FC 16: writes <paramref name="values"/> to the holding registers from <paramref name="start"/>.</summary>
    public Task WriteMultipleRegistersAsync(byte unitId, ushort start, ReadOnlySpan<ushort> values, CancellationToken cancellationToken = default)
        => SendAsync(unitId, ModbusRequest.WriteMultipleRegisters(start, values), cancellationToken: cancellationToken);

    /// <summary>FC 23: writes <paramref name="values"/> from <paramref name="writeStart"/>, then reads <paramref name="readCount"/> registers from <paramref name="readStart"/>.</summary>
    public Task<ushort[]> ReadWriteMultipleRegistersAsync(
        byte unitId, ushort readStart, ushort readCount, ushort writeStart, ReadOnlySpan<ushort> values, CancellationToken cancellationToken = default)
    {
        var request = ModbusRequest.ReadWriteMultipleRegisters(readStart, readCount, writeStart, values);
        return ReadWords(unitId, request, cancellationToken);
    }

    /// <summary>Closes the connection; calls in flight fail with <see cref="ModbusFailure.ConnectionLost"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (Interlocked.Exchange(ref _connection, null) is { } connection)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal void OnConnectionBroken(ModbusClientConnection connection, string reason, int pending)
    {
        Interlocked.CompareExchange(ref _connection, null, connection);
        if (Volatile.Read(ref _disposed) == 0)
        {
            ModbusClientLog.ConnectionLost(Logger, Options.Server, reason, pending);
        }
    }

    private async Task<ushort[]> ReadWords(byte unitId, ModbusRequest request, CancellationToken cancellationToken)
        => (await SendAsync(unitId, request, cancellationToken: cancellationToken).ConfigureAwait(false)).Words.ToArray();

    private async Task<ModbusClientConnection> GetConnectionAsync(byte unitId, ModbusRequest request, CancellationToken token, CancellationToken callerToken)
    {
        if (_connection is { IsOpen: true } open)
        {
            return open;
        }

        await _connectLock.WaitAsync(token).ConfigureAwait(false);
        try
        {
            if (_connection is { IsOpen: true } opened)
            {
                return opened;
            }

            if (_lastConnectError is not null && Time.GetElapsedTime(_lastConnectFailure) is var since && since < _currentDelay)
            {
                throw new ModbusClientException(
                    ModbusFailure.NotConnected,
                    string.Create(CultureInfo.InvariantCulture,
                        $"{request} to unit {unitId} on {Options.Server}: not connected: the last attempt failed ({_lastConnectError}); the next in {(_currentDelay - since).TotalMilliseconds:F0} ms"),
                    unitId,
                    request.Function);
            }

            ModbusClientConnection connection;
            using var attemptTimeout = new CancellationTokenSource(Options.ConnectTimeout, Time);
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(token, attemptTimeout.Token);
            try
            {
                connection = await ModbusClientConnection.OpenAsync(this, attempt.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !callerToken.IsCancellationRequested)
            {
                var reason = e is OperationCanceledException
                    ? string.Create(CultureInfo.InvariantCulture, $"no connection within {(attemptTimeout.IsCancellationRequested ? Options.ConnectTimeout : Options.RequestTimeout).TotalMilliseconds:F0} ms")
                    : e.Message;
                _lastConnectError = reason;
                _lastConnectFailure = Time.GetTimestamp();
                _currentDelay = _reconnectDelay;
                _reconnectDelay = TimeSpan.FromTicks(Math.Min(_reconnectDelay.Ticks * 2, Options.MaxReconnectDelay.Ticks));
                ModbusClientLog.ConnectFailed(Logger, Options.Server, reason, _currentDelay.TotalMilliseconds);
                throw new ModbusClientException(
                    ModbusFailure.ConnectFailed,
                    $"{request} to unit {unitId} on {Options.Server}: could not connect: {reason}",
                    unitId,
                    request.Function,
                    innerException: e);
            }

            if (Volatile.Read(ref _disposed) != 0)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw new ObjectDisposedException(nameof(ModbusTcpClient));
            }

            _lastConnectError = null;
            _reconnectDelay = Options.ReconnectDelay;
            _connection = connection;
            Counters.Connected();
            ModbusClientLog.Connected(Logger, Options.Server, Options.Tls is null ? "plain Modbus TCP" : "Modbus/TCP Security");
            return connection;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private ModbusClientException Failed(ModbusClientException failure, in ModbusRequest request)
    {
        Counters.Failed(failure.Failure);
        if (failure.Failure == ModbusFailure.NotConnected)
        {
            ModbusClientLog.NotSent(Logger, request, failure.UnitId, Options.Server, failure.Message);
        }
        else
        {
            ModbusClientLog.RequestFailed(Logger, request, failure.UnitId, Options.Server, failure.Failure, failure.Message);
        }

        return failure;
    }
}
