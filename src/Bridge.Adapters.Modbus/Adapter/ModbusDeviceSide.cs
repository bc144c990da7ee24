using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using Bridge.Adapters.Modbus.Client;
using Bridge.Adapters.Modbus.Protocol;
using Bridge.Core.Adapters;
using Bridge.Core.Routing;
using Bridge.Multicast;
using Bridge.Multicast.Diagnostics;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;
using Microsoft.Extensions.Logging;

namespace Bridge.Adapters.Modbus.Adapter;

/// <summary>
/// The device side of Modbus TCP (<c>bridge.modbus.device</c>): GridCast is a client of a local
/// device or Modbus gateway, and a group command for a from-group rule (the <see cref="ModbusPayload"/>
/// a head-end side sends) is written to the rule's unit and registers or coils.
/// </summary>
/// <remarks>
/// Writes wait in a bounded queue and go to the device one at a time, in arrival order, so a
/// slow or absent device never holds up the node's group receive loop; a command that finds the
/// queue full is dropped and counted (<c>queue_full</c>). A write that fails (the device refused
/// it, did not answer, or cannot be reached; the client reconnects with back-off) is counted
/// (<c>write_failed</c>) and logged at most 10 times a minute, and not retried: the next command
/// carries the newer value.
/// <para>
/// A request to a group that a rule maps (<see cref="IGroupAnswerer"/>, handed over by the host)
/// is answered by reading the first such rule's block from the device, when that block holds one
/// value (one register of <c>u16</c>/<c>s16</c>, two of a 32-bit type, or one coil), decoded with
/// the rule's type, order and scale. A read that fails or takes longer than <see cref="ReadTimeout"/>
/// or the request's budget gives no answer (the node is then missing from the aggregate, never a
/// zero); it is counted (<c>read_failed</c>) and logged at most 10 times a minute.
/// </para>
/// </remarks>
internal sealed class ModbusDeviceSide : IAdapterSide, IEndpointPublisher<ModbusAddress>, IGroupAnswerer
{
    /// <summary>Commands waiting for the device.</summary>
    public const int QueueCapacity = 256;

    /// <summary>The longest a read for a request waits for the device (a shorter budget is shorter still).</summary>
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(5);

    private readonly ModbusTcpClient _client;
    private readonly Router _router;
    private readonly string _device;
    private readonly ILogger _logger;
    private readonly LogRateLimiter _failures;
    private readonly LogRateLimiter _readFailures;
    private readonly Channel<Write> _queue = Channel.CreateBounded<Write>(new BoundedChannelOptions(QueueCapacity) { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _writer;
    private long _received;
    private long _written;
    private long _malformed;
    private long _queueFull;
    private long _failed;
    private long _answered;
    private long _readFailed;

    public ModbusDeviceSide(ModbusTcpClient client, Router router, string device, ILogger logger, TimeProvider time)
    {
        _client = client;
        _router = router;
        _device = device;
        _logger = logger;
        _failures = LogRateLimiter.PerMinute(time);
        _readFailures = LogRateLimiter.PerMinute(time);
        _writer = WriteAllAsync(_stopping.Token);
    }

    /// <summary>Commands written to the device and acknowledged by it.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Commands whose write failed.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Requests answered with a value read from the device.</summary>
    public long Answered => Interlocked.Read(ref _answered);

    /// <summary>Requests not answered because the device's read failed or timed out.</summary>
    public long ReadFailed => Interlocked.Read(ref _readFailed);

    /// <inheritdoc/>
    public IReadOnlyList<AnsweringDevice> Devices => [];

    /// <inheritdoc/>
    public async IAsyncEnumerable<MemberAnswer> AnswerAsync(GroupRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (await AnswerAsNodeAsync(request, cancellationToken) is { } answer)
        {
            yield return answer;
        }
    }

    /// <summary>The node's one answer: the device's value of the group's one-value block, or null.</summary>
    private async ValueTask<MemberAnswer?> AnswerAsNodeAsync(GroupRequest request, CancellationToken cancellationToken)
    {
        if (AnsweringBlock(request.Group) is not { } endpoint)
        {
            return null;
        }

        var timeout = request.Deadline < ReadTimeout ? request.Deadline : ReadTimeout;
        if (timeout <= TimeSpan.Zero)
        {
            return null;
        }

        double value;
        try
        {
            if (endpoint.Table == ModbusTable.Coils)
            {
                var response = await _client.SendAsync(endpoint.Unit, ModbusRequest.ReadCoils(endpoint.Range.Start, 1), timeout, cancellationToken);
                value = response.Bits[0] ? 1 : 0;
            }
            else
            {
                var response = await _client.SendAsync(endpoint.Unit, ModbusRequest.ReadHoldingRegisters(endpoint.Range.Start, endpoint.Range.Count), timeout, cancellationToken);
                value = endpoint.Encoding!.Decode(response.Words.ToArray())[0];
            }
        }
        catch (ModbusClientException e)
        {
            // Logged before counted: whoever sees the count finds the line.
            if (_readFailures.ShouldLog(suppressed => ModbusAdapterLog.DeviceReadFailuresSuppressed(_logger, suppressed)))
            {
                ModbusAdapterLog.DeviceReadFailed(_logger, _device, request.Group.Canonical, endpoint.Text, e.Message);
            }

            Interlocked.Increment(ref _readFailed);
            return null;
        }

        if (!double.IsFinite(value))
        {
            // A float register holding NaN or infinity: not a value the reverse channel can carry.
            Interlocked.Increment(ref _readFailed);
            ModbusAdapterLog.DeviceReadFailed(_logger, _device, request.Group.Canonical, endpoint.Text, "the register holds no finite value");
            return null;
        }

        Interlocked.Increment(ref _answered);
        return new MemberAnswer(Encoding.UTF8.GetBytes(value.ToString("R", CultureInfo.InvariantCulture)), ContentType.Raw);
    }

    /// <inheritdoc/>
    public ValueTask<int> PublishFromGroupAsync(GroupMessage message, CancellationToken cancellationToken = default)
        => _router.RouteFromGroupAsync(message, this, cancellationToken);

    /// <inheritdoc/>
    public ValueTask PublishAsync(ModbusAddress address, ReadOnlyMemory<byte> payload, PublishOptions options, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _received);
        var endpoint = _router.Table.FromGroup.Select(r => r.Endpoint).OfType<ModbusEndpoint>().FirstOrDefault(e => e.Address == address);
        if (endpoint is null || !ModbusPayload.TryParse(payload, out var command, out var reason) || !ModbusHeadEnd.TryRegisters(endpoint, command, out var registers, out reason))
        {
            Interlocked.Increment(ref _malformed);
            ModbusAdapterLog.GroupPayloadDropped(_logger, endpoint?.Show(address) ?? address.ToString(), endpoint is null ? "no from-group rule" : "not a payload for its block");
            return ValueTask.CompletedTask;
        }

        if (!_queue.Writer.TryWrite(new Write(command.Unit, command.Table, command.Address, registers)))
        {
            LogFailure(endpoint.Text, $"{QueueCapacity} commands are waiting for the device already");
            Interlocked.Increment(ref _queueFull);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public bool CanFollow(RoutingTable rules)
    {
        // Like the head-end side: a change of any Modbus endpoint restarts the side, which checks the rules again.
        ArgumentNullException.ThrowIfNull(rules);
        static IEnumerable<string> Endpoints(RoutingTable table) => table.Rules.Select(r => r.Endpoint).OfType<ModbusEndpoint>().Select(e => e.Text);
        return Endpoints(rules).SequenceEqual(Endpoints(_router.Table));
    }

    /// <inheritdoc/>
    public AdapterSideStatus Status() => new()
    {
        Connected = _client.IsConnected,
        Peer = $"device {_device}",
        Received = Interlocked.Read(ref _received),
        Published = Written,
        Dropped = new Dictionary<string, long>
        {
            ["malformed"] = Interlocked.Read(ref _malformed),
            ["queue_full"] = Interlocked.Read(ref _queueFull),
            ["write_failed"] = Failed,
            ["read_failed"] = ReadFailed,
        },
    };

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _queue.Writer.TryComplete();
        await _stopping.CancelAsync();
        await _writer;
        await _client.DisposeAsync();
        _stopping.Dispose();
    }

    private async Task WriteAllAsync(CancellationToken cancellationToken)
    {
        // Yield first: the constructor must not run the loop's first steps on the caller's thread.
        await Task.Yield();
        try
        {
            await foreach (var write in _queue.Reader.ReadAllAsync(cancellationToken))
            {
                try
                {
                    await WriteAsync(write, cancellationToken);
                    Interlocked.Increment(ref _written);
                }
                catch (ModbusClientException e)
                {
                    // Logged before counted: whoever sees the count finds the line.
                    LogFailure($"unit {write.Unit} {write.Table} {write.Start}", e.Message);
                    Interlocked.Increment(ref _failed);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: commands still queued are dropped with the side.
        }
    }

    private Task WriteAsync(Write write, CancellationToken cancellationToken)
    {
        // One value goes with the single-item function codes, which every device implements.
        if (write.Table == ModbusTable.Coils)
        {
            bool[] coils = [.. write.Values.Select(static v => v != 0)];
            return coils.Length == 1
                ? _client.WriteSingleCoilAsync(write.Unit, write.Start, coils[0], cancellationToken)
                : _client.WriteMultipleCoilsAsync(write.Unit, write.Start, coils, cancellationToken);
        }

        return write.Values.Length == 1
            ? _client.WriteSingleRegisterAsync(write.Unit, write.Start, write.Values[0], cancellationToken)
            : _client.WriteMultipleRegistersAsync(write.Unit, write.Start, write.Values, cancellationToken);
    }

    /// <summary>The block of the first from-group rule that joins <paramref name="group"/> and holds one value; null when none does.</summary>
    private ModbusEndpoint? AnsweringBlock(GroupName group)
    {
        foreach (var rule in _router.Table.FromGroup)
        {
            if (rule.Endpoint is ModbusEndpoint endpoint && HoldsOneValue(endpoint) && rule.SourceGroups().Contains(group))
            {
                return endpoint;
            }
        }

        return null;
    }

    private static bool HoldsOneValue(ModbusEndpoint endpoint)
        => endpoint.Table == ModbusTable.Coils ? endpoint.Range.Count == 1 : endpoint.Range.Count == endpoint.Encoding!.Width;

    private void LogFailure(string block, string reason)
    {
        if (_failures.ShouldLog(suppressed => ModbusAdapterLog.DeviceWriteFailuresSuppressed(_logger, suppressed)))
        {
            ModbusAdapterLog.DeviceWriteFailed(_logger, _device, block, reason);
        }
    }

    private sealed record Write(byte Unit, ModbusTable Table, ushort Start, ushort[] Values);
}
