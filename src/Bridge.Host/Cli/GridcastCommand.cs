using System.CommandLine;
using Bridge.Host.Bridging;
using Bridge.Host.Demo;
using Bridge.Host.Node;
using Bridge.Host.Tools;

namespace Bridge.Host.Cli;

/// <summary>The <c>gridcast</c> root command and its exit codes.</summary>
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
            BridgeCommand.Create(),
            UriCommand.Create(),
            CertsCommand.Create(),
            ConfigCommand.Create(),
            RunCommand.Create(),
        };

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await Console.Error.WriteLineAsync($"gridcast: {error.Message}");
            }

            await Console.Error.WriteLineAsync("Try 'gridcast --help'.");
            return UsageError;
        }

        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            // Bad values the parser could not see, such as an interface that does not exist.
            await Console.Error.WriteLineAsync($"gridcast: {ex.Message}");
            return UsageError;
        }
        catch (OperationCanceledException)
        {
            return Interrupted;
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or InvalidOperationException)
        {
            // Environment failures (no multicast route, port in use, broker refused): say what, not where.
            await Console.Error.WriteLineAsync($"gridcast: {ex.GetType().Name}: {ex.Message}");
            return Failed;
        }
    }
}
