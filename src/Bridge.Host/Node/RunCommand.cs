using System.CommandLine;
using Bridge.Host.Bridging;
using Bridge.Host.Cli;
using Bridge.Host.Configuration;
using Bridge.Host.Diagnostics;
using Bridge.Host.Tools;
using Bridge.Multicast.Transports.Ip;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bridge.Host.Node;

/// <summary>
/// <c>gridcast run --config FILE</c>: runs the node a configuration file describes, a gateway, an
/// edge bridge or both, until stopped. A configuration with errors starts nothing: every error is
/// listed and the exit code is 2.
/// </summary>
internal static partial class RunCommand
{
    /// <summary>Written to standard error (through the log) once the node's services are started.</summary>
    public const string StartedLine = "Node started";

    public static Command Create()
    {
        var config = new Option<string>("--config", "-c")
        {
            Description = "Node configuration file, .yaml, .yml or .json (docs/configuration.md)",
            Required = true,
            HelpName = "FILE",
        };
        var verbose = CommonOptions.Verbose();
        var command = new Command("run", "Run a gateway, an edge bridge or both, as a configuration file describes, until stopped")
        {
            config, verbose,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var path = result.GetRequiredValue(config);
            var (configuration, errors) = NodeConfigurationLoader.Load(path);
            MulticastInterface? multicastInterface = null;
            if (configuration is not null)
            {
                (multicastInterface, errors) = DomainSectionReader.CheckOnThisHost(configuration.Domain, configuration.Groups);
            }

            if (configuration is null || multicastInterface is null)
            {
                ConfigCommand.PrintErrors(path, errors);
                await Console.Error.WriteLineAsync($"gridcast: {path} has {errors.Count} error(s); nothing started");
                return GridcastCommand.UsageError;
            }

            var builder = CliHost.CreateBuilder(result.GetValue(verbose), LogLevel.Information);
            builder.Services.AddSingleton(configuration);
            MetricsRegistration.Add(builder.Services, configuration, path);
            if (configuration.Bridge is { } bridge)
            {
                var domainKeys = configuration.Domain.KeyFile is { } keyFile ? ControlKeyFiles.Load(keyFile, configuration.Domain.KeyRing) : null;
                builder.Services.AddSingleton(BridgeSettings.From(bridge, multicastInterface, configuration.Groups) with
                {
                    DomainKeys = domainKeys,
                    Protections = configuration.Security?.Protections(configuration.Groups) ?? new Dictionary<Bridge.Multicast.Naming.GroupName, Bridge.Multicast.Security.GroupProtection>(),
                });
                builder.Services.AddSingleton<BridgeService>();
                builder.Services.AddHostedService(services => services.GetRequiredService<BridgeService>());

                // A changed file is loaded, checked and applied to the running bridge; a bad one is refused.
                builder.Services.AddHostedService(services => new ConfigurationReloader(
                    path,
                    configuration,
                    multicastInterface,
                    services.GetRequiredService<BridgeService>(),
                    services.GetRequiredService<ILogger<ConfigurationReloader>>(),
                    services.GetRequiredService<TimeProvider>(),
                    services.GetService<ConfigurationHealth>()));
            }

            if (configuration.Gateway is not null)
            {
                GatewayRegistration.Add(builder.Services, configuration, multicastInterface);
            }

            using var host = builder.Build();
            await host.StartAsync(cancellationToken);
            Log.Started(
                host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RunCommand)),
                configuration.Node.Id,
                configuration.Gateway is { } gateway ? $"{gateway.Role} gateway" : "no gateway",
                configuration.Bridge is null ? "no bridge" : "edge bridge");
            await host.WaitForShutdownAsync(cancellationToken);

            // A part that failed (a port in use, a broker that refused us) stops the host; the
            // exit code and the last line say why.
            return await GridcastCommand.ReportFailedServicesAsync(host);
        });
        return command;
    }

    private static partial class Log
    {
        [LoggerMessage(401, LogLevel.Information, StartedLine + " {Node}: {Gateway}, {Bridge}")]
        public static partial void Started(ILogger logger, string node, string gateway, string bridge);
    }
}
