using Bridge.Adapters.Modbus.Protocol;

namespace Bridge.Adapters.Modbus.Adapter;

/// <summary>
/// The last known values of each rule's block: what a master wrote or a group sent. A register or
/// coil nobody has written is unknown, and a read that touches one is refused rather than
/// answered with a made-up zero. Thread-safe: the server calls its handler concurrently.
/// </summary>
public sealed class ModbusImage
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ModbusEndpoint, Block> _blocks = [];

    /// <summary>Records registers (or coils as 0/1) written at <paramref name="start"/> of <paramref name="endpoint"/>'s block.</summary>
    public void Store(ModbusEndpoint endpoint, ushort start, ReadOnlySpan<ushort> values)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!endpoint.Covers(endpoint.Unit, endpoint.Table, new ModbusRange(start, (ushort)values.Length)))
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"{values.Length} values at {start} are not within {endpoint.Range}");
        }

        lock (_lock)
        {
            if (!_blocks.TryGetValue(endpoint, out var block))
            {
                block = new Block(endpoint.Range.Count);
                _blocks.Add(endpoint, block);
            }

            var offset = start - endpoint.Range.Start;
            values.CopyTo(block.Values.AsSpan(offset));
            block.Known.AsSpan(offset, values.Length).Fill(true);
        }
    }

    /// <summary>The values of <paramref name="range"/> in <paramref name="endpoint"/>'s block, or null when any of them is unknown.</summary>
    public ushort[]? Read(ModbusEndpoint endpoint, ModbusRange range)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        lock (_lock)
        {
            if (!_blocks.TryGetValue(endpoint, out var block))
            {
                return null;
            }

            var offset = range.Start - endpoint.Range.Start;
            return block.Known.AsSpan(offset, range.Count).Contains(false) ? null : block.Values.AsSpan(offset, range.Count).ToArray();
        }
    }

    private sealed class Block(int count)
    {
        public ushort[] Values { get; } = new ushort[count];

        public bool[] Known { get; } = new bool[count];
    }
}
