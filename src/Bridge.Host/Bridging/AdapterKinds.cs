using Bridge.Adapters.Amqp;
using Bridge.Adapters.Iec61850.Adapter.Goose;
using Bridge.Adapters.Iec61850.Adapter.Mms;
using Bridge.Adapters.Modbus.Adapter;
using Bridge.Adapters.Mqtt;
using Bridge.Core.Adapters;
using Bridge.Core.Configuration;

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
        GooseAdapterKind.Instance,
        Iec61850AdapterKind.Instance,
    ];

    /// <summary>The kind called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No kind has that name.</exception>
    public static IAdapterKind Named(string name)
        => All.FirstOrDefault(k => k.Name == name) ?? throw new KeyNotFoundException($"no adapter kind '{name}'");

    /// <summary>
    /// What a kind finds wrong only across all of its rules, each at the rule's path: Modbus
    /// blocks that overlap or name a unit not served (<see cref="ModbusSectionReader.RuleErrors"/>).
    /// The side checks the same when it starts; <c>config validate</c> says so first.
    /// </summary>
    public static IReadOnlyList<ConfigurationError> CheckRules(BridgeSection bridge)
    {
        ArgumentNullException.ThrowIfNull(bridge);
        IReadOnlyList<ConfigurationError> modbusErrors = bridge.Adapter<ModbusSection>() is { } modbus ? ModbusSectionReader.RuleErrors(bridge.Rules, modbus) : [];
        IReadOnlyList<ConfigurationError> iec61850Errors = bridge.Adapter<Iec61850Section>() is { } iec61850 ? Iec61850SectionReader.RuleErrors(bridge.Rules, iec61850) : [];
        return [.. modbusErrors, .. iec61850Errors];
    }
}
