using Bridge.Core.Routing;
using Bridge.Multicast;

namespace Bridge.Core.Adapters;

/// <summary>
/// A running adapter side: a connection to (or a server for) one legacy protocol. Inbound it
/// routes what it receives through <see cref="AdapterContext.Router"/> (receive, then group) and
/// acknowledges to its peer only after that hand-off; outbound the host hands it every group
/// message (group, then publish). Stopped by disposing it.
/// </summary>
/// <remarks>
/// Request and reply (the reverse channel, issue 11) use the same side: a side that starts
/// requests (a Modbus read, a message on an MQTT request topic) asks a group through
/// <see cref="AdapterContext.Requests"/>; a side that can be asked (a device-side Modbus client
/// that answers by reading its device) implements <see cref="IGroupAnswerer"/> as well.
/// </remarks>
public interface IAdapterSide : IAsyncDisposable
{
    /// <summary>
    /// Group, then publish: publishes a group's message at every address the side's from-group
    /// rules map its group to, with each rule's guarantee; returns how many.
    /// </summary>
    ValueTask<int> PublishFromGroupAsync(GroupMessage message, CancellationToken cancellationToken = default);

    /// <summary>
    /// Whether the side can follow <paramref name="rules"/> without a new connection: what it
    /// subscribes to or binds (for its to-group rules) is the same. When it can, the host swaps
    /// the router's table; when not, it stops the side and starts a new one with the same router.
    /// </summary>
    bool CanFollow(RoutingTable rules);

    /// <summary>
    /// The side's counters and connection now, for the node's metrics and health; safe to call
    /// from any thread.
    /// </summary>
    AdapterSideStatus Status();
}
