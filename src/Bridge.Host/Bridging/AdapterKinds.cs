using Bridge.Adapters.Amqp;
using Bridge.Adapters.Modbus.Adapter;
using Bridge.Adapters.Mqtt;
using Bridge.Core.Adapters;

namespace Bridge.Host.Bridging;

/// <summary>The adapter kinds this host knows, registered in one place.</summary>
internal static class AdapterKinds
{
    /// <summary>
    /// Every kind, in the order the node file's messages list them. Adding an adapter means its
    /// project, a reference to it, and one line here.
    /// </summary>
    public static IReadOnlyList<IAdapterKind> All { get; } =
    [
        MqttAdapterKind.Instance,
        AmqpAdapterKind.Instance,
        ModbusAdapterKind.Instance,
    ];

    /// <summary>The kind called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No kind has that name.</exception>
    public static IAdapterKind Named(string name)
        => All.FirstOrDefault(k => k.Name == name) ?? throw new KeyNotFoundException($"no adapter kind '{name}'");
}
