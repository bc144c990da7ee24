using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using Bridge.Adapters.Modbus.Client;
using Bridge.Adapters.Modbus.Server;
using Bridge.Core.Adapters;
using Bridge.Core.Configuration;
using Bridge.Core.Mapping;
using Bridge.Multicast.Transports.Overlay;
using Microsoft.Extensions.Logging;

namespace Bridge.Adapters.Modbus.Adapter;

/// <summary>
/// The Modbus adapter kind: the <c>bridge.modbus</c> section (<see cref="ModbusSectionReader"/>),
/// rule endpoints written <c>modbus: "unit=1 holding=100-109 type=u16"</c> (<see cref="ModbusEndpoint"/>),
/// and a side that is a Modbus TCP server for head-end masters (<see cref="ModbusHeadEnd"/>) or a
/// client of a local device (<see cref="ModbusDeviceSide"/>). docs/modbus.md.
/// </summary>
public sealed class ModbusAdapterKind : AdapterKind<ModbusSectionInput, ModbusSection>
{
    /// <summary>The kind's name: the section key and the endpoints' kind.</summary>
    public const string KindName = "modbus";

    private ModbusAdapterKind()
    {
    }

    /// <summary>The one instance, for the host's list of kinds.</summary>
    public static ModbusAdapterKind Instance { get; } = new();

    /// <inheritdoc/>
    public override string Name => KindName;

    /// <inheritdoc/>
    public override IReadOnlyList<string> RuleKeys { get; } = [KindName];

    /// <inheritdoc/>
    public override string EndpointDescription => "a unit and register or coil range";

    /// <inheritdoc/>
    protected override IReadOnlyList<string> SectionKeys => ModbusSectionReader.Keys;

    /// <inheritdoc/>
    public override bool TryParseEndpoint(string text, bool publishes, [NotNullWhen(true)] out IRuleEndpoint? endpoint, [NotNullWhen(false)] out string? reason)
    {
        var parsed = ModbusEndpoint.TryParse(text, out var modbus, out reason);
        if (parsed && modbus!.Aggregate is not null && !publishes)
        {
            // Masters read an aggregating block; nothing they write to it could go to the group.
            reason = "a block with aggregate= is read by masters, so its rule's direction is from-group";
            endpoint = null;
            return false;
        }

        endpoint = modbus;
        return parsed;
    }

    /// <inheritdoc/>
    protected override ModbusSectionInput Bind(SectionReader section) => ModbusSectionReader.Bind(section);

    /// <inheritdoc/>
    protected override ModbusSection? Validate(ModbusSectionInput input, ConfigurationContext context, ConfigurationErrors errors)
        => ModbusSectionReader.Validate(input, context, errors);

    /// <inheritdoc/>
    protected override void CheckEnvironment(ModbusSectionInput input, ConfigurationContext context, ConfigurationErrors errors)
        => ModbusSectionReader.CheckEnvironment(input, context, errors);

    /// <inheritdoc/>
    protected override string Describe(ModbusSection settings)
        => settings.Device is { } device
            ? $"Modbus TCP client of device {device}, units {string.Join(", ", settings.Units)}"
            : $"Modbus TCP server on {settings.Listen}{(settings.Tls is null ? string.Empty : " with Modbus/TCP Security")}, units {string.Join(", ", settings.Units)}";

    /// <inheritdoc/>
    protected override async Task<IAdapterSide> StartAsync(ModbusSection settings, AdapterContext context, CancellationToken cancellationToken)
    {
        var rules = context.Router.Table.Rules;
        if (ModbusSectionReader.CheckRules(rules, settings) is { Count: > 0 } problems)
        {
            throw new InvalidOperationException($"bridge.rules: {string.Join("; ", problems)}");
        }

        if (settings.Device is { } device)
        {
            // The client connects at the first write and reconnects with back-off: a device that is
            // down when the node starts is not a reason for the node not to start.
            var server = IPAddress.TryParse(device.Host, out var address) ? (EndPoint)new IPEndPoint(address, device.Port) : new DnsEndPoint(device.Host, device.Port);
            var client = new ModbusTcpClient(new ModbusClientOptions { Server = server }, context.Loggers.CreateLogger<ModbusTcpClient>(), context.Time);
            return new ModbusDeviceSide(client, context.Router, device.ToString(), context.Loggers.CreateLogger<ModbusDeviceSide>(), context.Time);
        }

        var headEnd = new ModbusHeadEnd(context.Router, settings.Units, context.Loggers.CreateLogger<ModbusHeadEnd>(), context.Requests, context.Time);
        var credentials = settings.Tls is { } files ? LoadCredentials(files) : null;
        var options = new ModbusServerOptions
        {
            Endpoint = settings.Listen!,
            MaxConnections = settings.MaxConnections,
            Tls = credentials?.CreateServerOptions(context.Time),
        };
        try
        {
            var server = await ModbusTcpServer.StartAsync(options, headEnd, context.Loggers.CreateLogger<ModbusTcpServer>(), context.Time);
            return new ModbusHeadEndSide(server, headEnd, context.Router, credentials);
        }
        catch (SocketException e)
        {
            credentials?.Dispose();
            throw new IOException($"the Modbus TCP server cannot listen on {settings.Listen}: {e.Message}", e);
        }
        catch
        {
            credentials?.Dispose();
            throw;
        }
    }

    private static OverlayCredentials LoadCredentials(ModbusTlsFiles files)
    {
        try
        {
            return OverlayCredentials.Load(files.Certificate, files.Key, files.Authority);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            // The loader names the file at fault; say which setting it came from.
            throw new InvalidOperationException($"bridge.modbus.tls: {e.Message}", e);
        }
    }
}
