using System.Diagnostics.CodeAnalysis;

namespace Bridge.Multicast.Overlay.Gateway;

/// <summary>
/// The output queues of a gateway or one of its sub-machines: frames to send and events to
/// report, in the order they were produced. The event queue is bounded: a driver that stops
/// polling loses the oldest events, never memory.
/// </summary>
internal sealed class GatewayOutbox
{
    private const int MaxQueuedEvents = 1024;

    private readonly Queue<GatewayTransmit> _transmits = new();
    private readonly Queue<GatewayEvent> _events = new();

    public void Send(GatewayTransmit transmit) => _transmits.Enqueue(transmit);

    public void Raise(GatewayEvent gatewayEvent)
    {
        if (_events.Count >= MaxQueuedEvents)
        {
            _events.Dequeue();
        }

        _events.Enqueue(gatewayEvent);
    }

    public bool TryPollTransmit(out GatewayTransmit transmit) => _transmits.TryDequeue(out transmit);

    public bool TryPollEvent([MaybeNullWhen(false)] out GatewayEvent gatewayEvent) => _events.TryDequeue(out gatewayEvent);
}
