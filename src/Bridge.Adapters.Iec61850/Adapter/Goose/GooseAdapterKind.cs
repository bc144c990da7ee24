using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using Bridge.Adapters.Iec61850.Link;
using Bridge.Adapters.Iec61850.RGoose.Security;
using Bridge.Core.Adapters;
using Bridge.Core.Configuration;
using Bridge.Core.Mapping;
using Microsoft.Extensions.Logging;

namespace Bridge.Adapters.Iec61850.Adapter.Goose;

/// <summary>
/// The GOOSE tunnel adapter kind: the <c>bridge.goose</c> section (<see cref="GooseSectionReader"/>),
/// rule endpoints written <c>goose: "appid=0x1001 gocbRef=IED1LD0/LLN0$GO$gcb1"</c> (<see cref="GooseEndpoint"/>),
/// and a side that captures GOOSE on a substation LAN into groups and re-emits groups' GOOSE
/// there (<see cref="GooseTunnelSide"/>). docs/iec61850-goose.md.
/// </summary>
public sealed class GooseAdapterKind : AdapterKind<GooseSectionInput, GooseSection>
{
    /// <summary>The kind's name: the section key and the endpoints' kind.</summary>
    public const string KindName = "goose";

    private GooseAdapterKind()
    {
    }

    /// <summary>The one instance, for the host's list of kinds.</summary>
    public static GooseAdapterKind Instance { get; } = new();

    /// <inheritdoc/>
    public override string Name => KindName;

    /// <inheritdoc/>
    public override IReadOnlyList<string> RuleKeys { get; } = [KindName];

    /// <inheritdoc/>
    public override string EndpointDescription => "a GOOSE stream by appid, gocbRef and dst";

    /// <inheritdoc/>
    protected override IReadOnlyList<string> SectionKeys => GooseSectionReader.Keys;

    /// <inheritdoc/>
    public override bool TryParseEndpoint(string text, bool publishes, [NotNullWhen(true)] out IRuleEndpoint? endpoint, [NotNullWhen(false)] out string? reason)
    {
        var parsed = GooseEndpoint.TryParse(text, publishes, out var goose, out reason);
        endpoint = goose;
        return parsed;
    }

    /// <inheritdoc/>
    protected override GooseSectionInput Bind(SectionReader section) => GooseSectionReader.Bind(section);

    /// <inheritdoc/>
    protected override GooseSection? Validate(GooseSectionInput input, ConfigurationContext context, ConfigurationErrors errors)
        => GooseSectionReader.Validate(input, errors, context?.BaseDirectory);

    /// <inheritdoc/>
    protected override void CheckEnvironment(GooseSectionInput input, ConfigurationContext context, ConfigurationErrors errors)
        => GooseSectionReader.CheckEnvironment(input, context, errors);

    /// <inheritdoc/>
    protected override string Describe(GooseSection settings)
        => $"GOOSE tunnel on {settings.Interface} (T1 {settings.Retransmission.FirstInterval.TotalMilliseconds} ms, T0 {settings.Retransmission.Heartbeat.TotalMilliseconds} ms"
            + (settings.RGoose is { } r ? $", R-GOOSE to {r.Destination}" : string.Empty)
            + (settings.RGooseListen is { } l ? $", R-GOOSE from {l}" : string.Empty)
            + (settings.RGooseSecurity is { } s ? $", R-GOOSE secured with the keys of {s.KeyFile})" : ")");

    /// <inheritdoc/>
    protected override Task<IAdapterSide> StartAsync(GooseSection settings, AdapterContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(context);
        if (GooseSectionReader.RuleErrors(context.Router.Table.Rules, settings) is { Count: > 0 } problems)
        {
            throw new InvalidOperationException($"bridge.rules: {string.Join("; ", problems)}");
        }

        GooseLinkSocket socket;
        try
        {
            socket = GooseLinkSocket.Open(settings.Interface);
        }
        catch (Exception e) when (e is SocketException or IOException or ArgumentException or InvalidOperationException)
        {
            throw new IOException($"bridge.goose.interface: cannot open a GOOSE socket on '{settings.Interface}' (it needs the interface and CAP_NET_RAW): {e.Message}", e);
        }

        RGooseSender? rgoose = null;
        RGooseReceiver? receiver = null;
        try
        {
            RGooseKeySet? keys = null;
            if (settings.RGooseSecurity is { } security)
            {
                // Read again at start (the check read it at load): the file may have changed since.
                if (!GooseSectionReader.TryLoadKeys(security.KeyFile, out keys, out var keyProblems))
                {
                    throw new IOException($"bridge.goose.rgoose.keys: key file '{security.KeyFile}': {string.Join("; ", keyProblems)}");
                }

                if (security.SendKeyId is { } id && !keys.TryGet(id, out _))
                {
                    throw new IOException($"bridge.goose.rgoose.sendKey: key {id} is not in the key file '{security.KeyFile}'");
                }
            }

            if (settings.RGoose is { } target)
            {
                var protector = keys is null ? null : new RGooseProtector(keys, settings.RGooseSecurity!.SendKeyId);
                rgoose = new RGooseSender(target.Destination, target.Ttl, socket.InterfaceIndex, protector, context.Time);
            }

            var logger = context.Loggers.CreateLogger<GooseTunnelSide>();
            RGooseInput? input = null;
            if (settings.RGooseListen is { } listen && context.Router.Table.ToGroup.Any(r => r.Endpoint is GooseEndpoint { Input: not GooseOutput.Lan }))
            {
                try
                {
                    receiver = new RGooseReceiver(listen, socket.InterfaceIndex);
                }
                catch (SocketException e)
                {
                    throw new IOException($"bridge.goose.rgoose.listen: cannot receive R-GOOSE on {listen} through '{settings.Interface}': {e.Message}", e);
                }

                var own = RGooseInput.OwnSource(rgoose?.LocalEndPoint, HostAddresses());
                input = new RGooseInput(receiver, context.Router, own, logger, context.Time, keys is null ? null : new RGooseUnprotector(keys));
            }

            var side = new GooseTunnelSide(socket, rgoose, settings, context.Router, logger, context.Time, input);
            side.Start();
            return Task.FromResult<IAdapterSide>(side);
        }
        catch
        {
            receiver?.Dispose();
            rgoose?.Dispose();
            socket.Dispose();
            throw;
        }
    }

    // Every address of this host: the R-GOOSE sender's socket is bound to the wildcard address.
    private static IEnumerable<System.Net.IPAddress> HostAddresses()
        => System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address);
}
