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
    // The host's own category: it logs a failed service with its stack trace and advice on
    // HostOptions, which is for programmers. The verbs report such failures themselves.
    private const string HostInternals = "Microsoft.Extensions.Hosting.Internal.Host";

    /// <summary>
    /// A host builder that logs at <paramref name="quiet"/> and above, or everything down to debug
    /// with the stack traces of logged exceptions when <paramref name="verbose"/>.
    /// </summary>
    public static HostApplicationBuilder CreateBuilder(bool verbose, LogLevel quiet = LogLevel.Warning)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
            DisableDefaults = false,
        });
        builder.Configuration.AddEnvironmentVariables("GRIDCAST_");
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o =>
        {
            o.FormatterName = CliLogFormatter.FormatterName;
            o.LogToStandardErrorThreshold = LogLevel.Trace;
        });
        builder.Logging.AddConsoleFormatter<CliLogFormatter, CliLogFormatterOptions>(o =>
        {
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.ExceptionDetails = verbose;
        });
        builder.Logging.SetMinimumLevel(verbose ? LogLevel.Debug : quiet);
        if (!verbose)
        {
            builder.Logging.AddFilter(HostInternals, LogLevel.None);
        }

        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }

    /// <summary>A host as <see cref="CreateBuilder"/> makes it, with nothing added.</summary>
    public static IHost Build(bool verbose, LogLevel quiet = LogLevel.Warning) => CreateBuilder(verbose, quiet).Build();
}
