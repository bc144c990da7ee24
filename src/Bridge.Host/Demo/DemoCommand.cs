using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Bridge.Host.Cli;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Bridge.Host.Demo;

/// <summary><c>gridcast demo</c>: one tariff update from an MQTT head-end to N devices.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var devices = CommonOptions.WholeNumber("--devices", "Number of simulated devices, each with its own multicast socket", "N", defaultValue: 100, min: 1);
        devices.Aliases.Add("-n");
        var timeout = CommonOptions.Seconds("--timeout", "Seconds to wait for every device to receive the update", defaultValue: 10);
        var json = CommonOptions.Json();
        var verbose = CommonOptions.Verbose();
        var @interface = CommonOptions.Interface();
        var group = CommonOptions.GroupOption("--group", "Group the tariff update is sent to", DemoSettings.DefaultGroup, carriedOn: @interface);
        var command = new Command("demo", "Publish a tariff update over MQTT and deliver it to N devices over IP multicast")
        {
            devices, timeout, group, @interface, json, verbose,
        };

        command.SetAction(async (result, cancellationToken) =>
        {
            var settings = new DemoSettings
            {
                Devices = result.GetValue(devices),
                Timeout = TimeSpan.FromSeconds(result.GetValue(timeout)),
                Group = result.GetRequiredValue(group),
                Interface = CommonOptions.InterfaceOrLoopback(result, @interface),
            };
            using var host = CliHost.Build(result.GetValue(verbose));
            var runner = new DemoRunner(
                settings,
                host.Services.GetRequiredService<ILoggerFactory>(),
                host.Services.GetRequiredService<TimeProvider>());
            var demo = result.GetValue(json)
                ? await runner.RunAsync(new SilentObserver(), cancellationToken)
                : await RunWithProgressAsync(runner, settings, cancellationToken);

            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(demo, CliJson.Printed.DemoResult));
            }
            else
            {
                PrintSummary(demo);
            }

            return demo.Delivered == demo.Devices ? GridcastCommand.Ok : GridcastCommand.Failed;
        });
        return command;
    }

    private static async Task<DemoResult> RunWithProgressAsync(DemoRunner runner, DemoSettings settings, CancellationToken cancellationToken)
    {
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
            "GridCast demo: tariff update on MQTT topic [blue]{0}[/] to group [blue]{1}[/], {2} devices on {3}",
            settings.Topic.EscapeMarkup(), settings.Group.Canonical.EscapeMarkup(), settings.Devices, settings.Interface.Name.EscapeMarkup());
        return await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var joined = context.AddTask("devices joined", maxValue: settings.Devices);
                var delivered = context.AddTask("devices delivered", maxValue: settings.Devices);
                var observer = new ProgressObserver(joined, delivered);
                var demo = await runner.RunAsync(observer, cancellationToken);
                joined.StopTask();
                delivered.StopTask();
                return demo;
            });
    }

    private static void PrintSummary(DemoResult demo)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("devices", "delivered", "sender copies sent", "time to last delivery");
        var delivered = demo.Delivered == demo.Devices ? $"[green]{demo.Delivered}[/]" : $"[red]{demo.Delivered}[/]";
        table.AddRow(
            demo.Devices.ToString(CultureInfo.InvariantCulture),
            delivered,
            demo.SenderCopies.ToString(CultureInfo.InvariantCulture),
            demo.TimedOut ? "[red]timed out[/]" : string.Create(CultureInfo.InvariantCulture, $"{demo.ElapsedMs:F1} ms"));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(demo.Delivered == demo.Devices
            ? "[green]Every device received the update from one multicast send.[/]"
            : "[red]Not every device received the update.[/]");
    }

    private sealed class SilentObserver : DemoRunner.IObserver
    {
        public void DeviceJoined(int joined)
        {
        }

        public void Published()
        {
        }

        public void Delivered(int delivered)
        {
        }
    }

    private sealed class ProgressObserver(ProgressTask joined, ProgressTask delivered) : DemoRunner.IObserver
    {
        public void DeviceJoined(int count) => joined.Value = count;

        public void Published() => delivered.Description = "devices delivered (published)";

        public void Delivered(int count) => delivered.Value = count;
    }
}
