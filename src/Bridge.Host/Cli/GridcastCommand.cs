using System.CommandLine;
using System.CommandLine.Parsing;
using Bridge.Host.Bridging;
using Bridge.Host.Demo;
using Bridge.Host.Node;
using Bridge.Host.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Bridge.Host.Cli;

/// <summary>
/// The <c>gridcast</c> root command and its exit codes. Wrong values are reported while parsing
/// (every one, exit code 2); what fails later is reported here, in one place, as
/// <see cref="ErrorText"/> words it: no type names, parameter names or stack traces, unless
/// <c>--verbose</c> asks for them.
/// </summary>
internal static class GridcastCommand
{
    /// <summary>Everything went as asked.</summary>
    public const int Ok = 0;

    /// <summary>The command ran but did not reach its goal (a device missed the update, a timeout).</summary>
    public const int Failed = 1;

    /// <summary>The command line or a configuration was wrong; nothing ran.</summary>
    public const int UsageError = 2;

    /// <summary>Stopped by the user before it finished (as shells report SIGINT).</summary>
    public const int Interrupted = 130;

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("GridCast: a hybrid multicast bridge for smart grids.")
        {
            DemoCommand.Create(),
            PubCommand.Create(),
            SubCommand.Create(),
            RequestCommand.Create(),
            RespondCommand.Create(),
            BridgeCommand.Create(),
            UriCommand.Create(),
            CertsCommand.Create(),
            Security.KeysCommand.Create(),
            ConfigCommand.Create(),
            RunCommand.Create(),
            Lab.LabCommand.Create(),
            Iec61850.Iec61850Command.Create(),
        };

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await Console.Error.WriteLineAsync($"gridcast: {Describe(error)}");
            }

            await Console.Error.WriteLineAsync($"Try '{CommandPath(parsed.CommandResult)} --help'.");
            return UsageError;
        }

        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (OperationCanceledException)
        {
            return Interrupted;
        }
        catch (Exception ex)
        {
            // Whatever escaped a verb: a port in use, a file that vanished, a value the library refused.
            await Console.Error.WriteLineAsync($"gridcast: {ErrorText.Of(ex)}");
            if (IsVerbose(parsed))
            {
                await Console.Error.WriteLineAsync(ex.ToString());
            }

            return ErrorText.ExitCodeOf(ex);
        }
    }

    /// <summary>
    /// After a host stopped: writes why each of its background services failed, if any did, and
    /// returns <see cref="Failed"/>; <see cref="Ok"/> when none did (a stop asked for by the user).
    /// </summary>
    public static async Task<int> ReportFailedServicesAsync(IHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var failures = host.Services.GetServices<IHostedService>()
            .OfType<BackgroundService>()
            .Select(s => s.ExecuteTask)
            .Where(t => t is { IsFaulted: true })
            .Select(t => t!.Exception!)
            .ToList();
        foreach (var failure in failures)
        {
            await Console.Error.WriteLineAsync($"gridcast: {ErrorText.Of(failure)}");
        }

        return failures.Count == 0 ? Ok : Failed;
    }

    // The parser's words for a missing argument name the command, not the argument.
    private static string Describe(ParseError error) => error.SymbolResult switch
    {
        ArgumentResult { Tokens.Count: 0, Parent: CommandResult command } missing
            => $"'{CommandPath(command)}' needs {missing.Argument.Name}",
        _ => error.Message,
    };

    private static string CommandPath(CommandResult? command)
    {
        var names = new List<string>();
        for (SymbolResult? result = command; result is CommandResult c; result = c.Parent)
        {
            names.Insert(0, c.Command is RootCommand ? "gridcast" : c.Command.Name);
        }

        return names.Count == 0 ? "gridcast" : string.Join(' ', names);
    }

    private static bool IsVerbose(ParseResult parsed)
        => parsed.CommandResult.Command.Options.OfType<Option<bool>>().FirstOrDefault(o => o.Name == "--verbose") is { } verbose
            && parsed.GetValue(verbose);
}
