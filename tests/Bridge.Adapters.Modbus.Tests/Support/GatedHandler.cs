using Bridge.Adapters.Modbus.Protocol;
using Bridge.Adapters.Modbus.Server;

namespace Bridge.Adapters.Modbus.Tests.Support;

/// <summary>
/// A handler that holds the requests for <see cref="GatedUnit"/> until <see cref="Open"/> (each
/// then answered by a <see cref="RegisterBank"/>) and answers every other unit at once. It counts
/// the gated requests it holds at once, so a test sees how many a connection had in flight.
/// </summary>
internal sealed class GatedHandler(byte gatedUnit) : IModbusRequestHandler
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();
    private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = [];
    private int _held;
    private int _maxHeld;

    public byte GatedUnit { get; } = gatedUnit;

    public RegisterBank Bank { get; } = new();

    public int MaxHeld => Volatile.Read(ref _maxHeld);

    public int Held => Volatile.Read(ref _held);

    public void Open() => _gate.TrySetResult();

    /// <summary>Completes once <paramref name="count"/> gated requests are held at once.</summary>
    public Task HeldAtLeastAsync(int count)
    {
        lock (_lock)
        {
            if (_held >= count)
            {
                return Task.CompletedTask;
            }

            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, reached));
            return reached.Task;
        }
    }

    public async ValueTask<ModbusResponse> HandleAsync(ModbusRequestContext context, ModbusRequest request, CancellationToken cancellationToken)
    {
        if (context.UnitId != GatedUnit)
        {
            return Bank.Answer(request);
        }

        lock (_lock)
        {
            _held++;
            _maxHeld = Math.Max(_maxHeld, _held);
            foreach (var waiter in _waiters.Where(w => _held >= w.Count).ToList())
            {
                waiter.Reached.TrySetResult();
                _waiters.Remove(waiter);
            }
        }

        try
        {
            await _gate.Task.WaitAsync(cancellationToken);
            return Bank.Answer(request);
        }
        finally
        {
            lock (_lock)
            {
                _held--;
            }
        }
    }
}
