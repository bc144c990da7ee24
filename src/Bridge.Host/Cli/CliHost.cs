using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bridge.Host.Cli;

/// <summary>
/// Builds the Generic Host every verb runs in: configuration from appsettings.json and
/// GRIDCAST_-prefixed environment variables, console logging on standard error (standard output
/// belongs to the verb's results), and a <see cref="TimeProvider"/>.
/// </summary>
internal static class CliHost
{
    public static HostApplicationBuilder CreateBuilder(LogLevel minimumLevel)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
            DisableDefaults = false,
        });
        builder.Configuration.AddEnvironmentVariables("GRIDCAST_");
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(minimumLevel);
        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }

    public static IHost Build(LogLevel minimumLevel) => CreateBuilder(minimumLevel).Build();
}
