using Bridge.Adapters.Modbus.Server;
using Bridge.Core.Adapters;
using Bridge.Core.Routing;
using Bridge.Multicast;

namespace Bridge.Adapters.Modbus.Adapter;

/// <summary>A running head-end side: a <see cref="ModbusTcpServer"/> answering with a <see cref="ModbusHeadEnd"/>, and the TLS credentials it owns.</summary>
internal sealed class ModbusHeadEndSide(ModbusTcpServer server, ModbusHeadEnd headEnd, Router router, IDisposable? credentials = null) : IAdapterSide
{
    /// <inheritdoc/>
    public ValueTask<int> PublishFromGroupAsync(GroupMessage message, CancellationToken cancellationToken = default)
        => router.RouteFromGroupAsync(message, headEnd, cancellationToken);

    /// <inheritdoc/>
    public bool CanFollow(RoutingTable rules)
    {
        // The image is kept per block: a change of any Modbus endpoint starts afresh (and checks overlaps again).
        ArgumentNullException.ThrowIfNull(rules);
        static IEnumerable<string> Endpoints(RoutingTable table) => table.Rules.Select(r => r.Endpoint).OfType<ModbusEndpoint>().Select(e => e.Text);
        return Endpoints(rules).SequenceEqual(Endpoints(router.Table));
    }

    /// <inheritdoc/>
    public AdapterSideStatus Status() => new()
    {
        Connected = true,
        Peer = $"listening on {server.LocalEndPoint}",
        Received = headEnd.Received,
        Acknowledged = headEnd.Acknowledged,
        Published = headEnd.Published,
        Dropped = new Dictionary<string, long>
        {
            ["malformed"] = headEnd.Malformed,
            ["unroutable"] = headEnd.Unroutable,
            ["aggregate_unanswered"] = headEnd.AggregateFailures,
        },
    };

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await server.DisposeAsync();
        credentials?.Dispose();
    }
}
