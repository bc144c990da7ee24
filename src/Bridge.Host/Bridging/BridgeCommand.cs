using System.CommandLine;
using System.CommandLine.Parsing;
using System.Net;
using Bridge.Adapters.Mqtt.Client;
using Bridge.Adapters.Mqtt.Configuration;
using Bridge.Adapters.Mqtt.Rules;
using Bridge.Host.Cli;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports.Ip;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bridge.Host.Bridging;

/// <summary><c>gridcast bridge</c>: runs an MQTT to multicast bridge until stopped.</summary>
internal static class BridgeCommand
{
    private static readonly IPEndPoint DefaultListen = new(IPAddress.Loopback, 1883);

    public static Command Create()
    {
        var @interface = CommonOptions.Interface();
        var broker = new Option<Uri?>("--broker")
        {
            Description = "Connect to an existing MQTT broker, mqtt://host[:port]; without it, run an embedded broker",
            HelpName = "URL",
            CustomParser = result => Parse(result, MqttClientSettings.ParseBroker).FirstOrDefault(),
        };
        var clientId = new Option<string>("--client-id")
        {
            Description = "MQTT client id with --broker; unique per host and process when absent",
            HelpName = "ID",
        };
        var listen = new Option<IPEndPoint>("--listen")
        {
            Description = "Address and port of the embedded broker",
            DefaultValueFactory = _ => DefaultListen,
            HelpName = "ADDRESS:PORT",
            CustomParser = result => Parse(result, ParseListen).FirstOrDefault() ?? DefaultListen,
        };
        var toGroup = new Option<TopicToGroupRule[]>("--to-group")
        {
            Description = "Rule FILTER=GROUP: MQTT messages on topics matching FILTER go to GROUP (repeatable)",
            HelpName = "FILTER=GROUP",
            AllowMultipleArgumentsPerToken = false,
            CustomParser = result => [.. Parse(result, TopicToGroupRule.Parse, carriedOn: (@interface, r => r.Group))],
        };
        var fromGroup = new Option<GroupToTopicRule[]>("--from-group")
        {
            Description = "Rule GROUP=TOPIC: messages of GROUP are published on TOPIC (repeatable)",
            HelpName = "GROUP=TOPIC",
            CustomParser = result => [.. Parse(result, GroupToTopicRule.Parse, carriedOn: (@interface, r => r.Group))],
        };
        var verbose = CommonOptions.Verbose();
        var command = new Command("bridge", "Bridge MQTT topics and multicast groups until stopped")
        {
            broker, clientId, listen, toGroup, fromGroup, @interface, verbose,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            // Checked here, not by a validator of the command: its error would hide those of the values.
            if (result.GetResult(toGroup) is null && result.GetResult(fromGroup) is null)
            {
                await Console.Error.WriteLineAsync("gridcast: no rule given: add --to-group FILTER=GROUP or --from-group GROUP=TOPIC");
                return GridcastCommand.UsageError;
            }

            var brokerUri = result.GetValue(broker);
            var builder = CliHost.CreateBuilder(result.GetValue(verbose), LogLevel.Information);
            builder.Services.AddSingleton(new BridgeSettings
            {
                Adapters =
                [
                    brokerUri is null
                        ? new MqttSection { Listen = result.GetValue(listen) }
                        : new MqttSection { Broker = brokerUri, ClientId = result.GetValue(clientId) },
                ],
                Rules = MqttRules.Table(result.GetValue(toGroup) ?? [], result.GetValue(fromGroup) ?? []),
                Interface = CommonOptions.InterfaceOrLoopback(result, @interface),
            });
            builder.Services.AddHostedService<BridgeService>();
            using var host = builder.Build();
            await host.StartAsync(cancellationToken);
            await host.WaitForShutdownAsync(cancellationToken);

            // The bridge stopped by itself (its broker port in use, a broker that refused it): say why.
            return await GridcastCommand.ReportFailedServicesAsync(host);
        });
        return command;
    }

    private static IPEndPoint ParseListen(string text) => IPEndPoint.TryParse(text, out var endPoint) && endPoint.Port != 0
        ? endPoint
        : throw new FormatException($"--listen '{text}' is not an ADDRESS:PORT");

    // Each token parsed on its own, so every bad one is reported, each by the parser's own words;
    // with carriedOn, the group each value names must be one the interface can carry.
    private static List<T> Parse<T>(ArgumentResult result, Func<string, T> parse, (Option<MulticastInterface?> Interface, Func<T, GroupName> GroupOf)? carriedOn = null)
    {
        var parsed = new List<T>();
        foreach (var token in result.Tokens)
        {
            T value;
            try
            {
                value = parse(token.Value);
            }
            catch (FormatException ex)
            {
                result.AddError(ex.Message);
                continue;
            }

            if (carriedOn is not { } carried || CommonOptions.IsCarried(result, carried.Interface, carried.GroupOf(value)))
            {
                parsed.Add(value);
            }
        }

        return parsed;
    }
}
