using System.CommandLine;
using System.Net;
using Bridge.Adapters.Mqtt.Client;
using Bridge.Core.Mapping;
using Bridge.Core.Routing;
using Bridge.Host.Cli;
using Bridge.Host.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bridge.Host.Bridging;

/// <summary><c>gridcast bridge</c>: runs an MQTT to multicast bridge until stopped.</summary>
internal static class BridgeCommand
{
    public static Command Create()
    {
        var broker = new Option<string>("--broker")
        {
            Description = "Connect to an existing MQTT broker, mqtt://host[:port]; without it, run an embedded broker",
            HelpName = "URL",
        };
        var clientId = new Option<string>("--client-id")
        {
            Description = "MQTT client id with --broker; unique per host and process when absent",
            HelpName = "ID",
        };
        var listen = new Option<string>("--listen")
        {
            Description = "Address and port of the embedded broker",
            DefaultValueFactory = _ => "127.0.0.1:1883",
            HelpName = "ADDRESS:PORT",
        };
        var toGroup = new Option<string[]>("--to-group")
        {
            Description = "Rule FILTER=GROUP: MQTT messages on topics matching FILTER go to GROUP (repeatable)",
            HelpName = "FILTER=GROUP",
            AllowMultipleArgumentsPerToken = false,
        };
        var fromGroup = new Option<string[]>("--from-group")
        {
            Description = "Rule GROUP=TOPIC: messages of GROUP are published on TOPIC (repeatable)",
            HelpName = "GROUP=TOPIC",
        };
        var @interface = CommonOptions.Interface();
        var verbose = CommonOptions.Verbose();
        var command = new Command("bridge", "Bridge MQTT topics and multicast groups until stopped")
        {
            broker, clientId, listen, toGroup, fromGroup, @interface, verbose,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var errors = new List<string>();
            var toRules = ParseAll(result.GetValue(toGroup), TopicToGroupRule.Parse, errors);
            var fromRules = ParseAll(result.GetValue(fromGroup), GroupToTopicRule.Parse, errors);
            if (toRules.Count + fromRules.Count == 0)
            {
                errors.Add("no rule given: add --to-group FILTER=GROUP or --from-group GROUP=TOPIC");
            }

            Uri? brokerUri = null;
            if (result.GetValue(broker) is { } brokerText)
            {
                Collect(() => brokerUri = MqttClientSettings.ParseBroker(brokerText), errors);
            }

            IPEndPoint? listenEndPoint = null;
            if (!IPEndPoint.TryParse(result.GetValue(listen)!, out listenEndPoint) || listenEndPoint.Port == 0)
            {
                errors.Add($"--listen '{result.GetValue(listen)}' is not an ADDRESS:PORT");
            }

            if (errors.Count > 0)
            {
                foreach (var error in errors)
                {
                    await Console.Error.WriteLineAsync($"gridcast: {error}");
                }

                return GridcastCommand.UsageError;
            }

            var builder = CliHost.CreateBuilder(CommonOptions.LogLevelFor(result.GetValue(verbose), LogLevel.Information));
            builder.Services.AddSingleton(new BridgeSettings
            {
                Mqtt = brokerUri is null
                    ? new MqttSection { Listen = listenEndPoint }
                    : new MqttSection { Broker = brokerUri, ClientId = result.GetValue(clientId) },
                Rules = new RoutingTable(toRules, fromRules),
                Interface = CommonOptions.ResolveInterface(result.GetValue(@interface)),
            });
            builder.Services.AddHostedService<BridgeService>();
            using var host = builder.Build();
            await host.RunAsync(cancellationToken);
            return GridcastCommand.Ok;
        });
        return command;
    }

    private static List<T> ParseAll<T>(string[]? texts, Func<string, T> parse, List<string> errors)
    {
        var parsed = new List<T>();
        foreach (var text in texts ?? [])
        {
            Collect(() => parsed.Add(parse(text)), errors);
        }

        return parsed;
    }

    private static void Collect(Action parse, List<string> errors)
    {
        try
        {
            parse();
        }
        catch (FormatException ex)
        {
            errors.Add(ex.Message);
        }
    }
}
