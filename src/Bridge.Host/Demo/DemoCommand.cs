using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Bridge.Host.Cli;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Bridge.Host.Demo;

/// <summary>
/// <c>gridcast demo</c>: Figure 1 of the design. A tariff update from an MQTT head-end reaches N
/// devices spread over D domains through their gateways, then one meter-reading round comes back
/// to the head-end as one aggregated answer.
/// </summary>
internal static class DemoCommand
{
    /// <summary>The most domains: each is a gateway with its own TLS link, and the summary stays readable.</summary>
    public const int MaxDomains = 64;

    public static Command Create()
    {
        var devices = CommonOptions.WholeNumber("--devices", "Number of simulated devices, each with its own multicast socket", "N", defaultValue: 100, min: 1);
        devices.Aliases.Add("-n");
        var domains = CommonOptions.WholeNumber("--domains", "Number of multicast domains, each behind its own gateway; the devices are spread over them, the head-end is in the first", "D", defaultValue: 4, min: 1, max: MaxDomains);
        domains.Aliases.Add("-D");
        var timeout = CommonOptions.Seconds("--timeout", "Seconds to wait for the gateways to link up and for every device to receive the update", defaultValue: 10);
        var deadline = new Option<TimeSpan>("--deadline", "-d")
        {
            Description = "Deadline of the meter-reading round at the head-end: 1s, 500ms, 1m; each gateway hop keeps 200 ms of it for the way back (more devices per domain need longer)",
            HelpName = "T",
            DefaultValueFactory = _ => TimeSpan.FromSeconds(1),
            CustomParser = Tools.RequestCommand.ParseDeadline,
        };
        var json = CommonOptions.Json();
        var verbose = CommonOptions.Verbose();
        var group = CommonOptions.GroupOption("--group", "Group the tariff update and the meter-reading request are sent to", DemoSettings.DefaultGroup);
        var command = new Command("demo", "Deliver a tariff update from an MQTT head-end to N devices in D domains through gateways, then aggregate their meter readings on the way back")
        {
            devices, domains, timeout, deadline, group, json, verbose,
        };

        command.SetAction(async (result, cancellationToken) =>
        {
            var settings = new DemoSettings
            {
                Devices = result.GetValue(devices),
                Domains = result.GetValue(domains),
                Timeout = TimeSpan.FromSeconds(result.GetValue(timeout)),
                Group = result.GetRequiredValue(group),
                RoundDeadline = result.GetValue(deadline),
            };
            using var host = CliHost.Build(result.GetValue(verbose));
            var runner = new DemoRunner(
                settings,
                host.Services.GetRequiredService<ILoggerFactory>(),
                host.Services.GetRequiredService<TimeProvider>());
            DemoResult demo;
            try
            {
                demo = result.GetValue(json)
                    ? await runner.RunAsync(new SilentObserver(), cancellationToken)
                    : await RunWithProgressAsync(runner, settings, cancellationToken);
            }
            catch (TimeoutException e)
            {
                await Console.Error.WriteLineAsync($"gridcast demo: {e.Message}");
                return GridcastCommand.Failed;
            }

            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(demo, CliJson.Printed.DemoResult));
            }
            else
            {
                PrintSummary(demo);
            }

            return Succeeded(demo) ? GridcastCommand.Ok : GridcastCommand.Failed;
        });
        return command;
    }

    private static bool Succeeded(DemoResult demo) => demo.Delivered == demo.Devices && demo.Aggregate.Missing == 0;

    private static async Task<DemoResult> RunWithProgressAsync(DemoRunner runner, DemoSettings settings, CancellationToken cancellationToken)
    {
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
            "GridCast demo: tariff update on MQTT topic [blue]{0}[/] to group [blue]{1}[/], {2} devices in {3} domain(s), each behind its own gateway (TLS on loopback)",
            settings.Topic.EscapeMarkup(), settings.Group.Canonical.EscapeMarkup(), settings.Devices, settings.Domains);
        return await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var reached = context.AddTask("domains reached by the overlay", maxValue: settings.Domains);
                var joined = context.AddTask("devices joined", maxValue: settings.Devices);
                var delivered = context.AddTask("tariff delivered", maxValue: settings.Devices);
                var answered = context.AddTask("meter readings answered", maxValue: settings.Devices);
                var observer = new ProgressObserver(reached, joined, delivered, answered);
                var demo = await runner.RunAsync(observer, cancellationToken);
                foreach (var task in new[] { reached, joined, delivered, answered })
                {
                    task.StopTask();
                }

                return demo;
            });
    }

    private static void PrintSummary(DemoResult demo)
    {
        static string Number(double? value) => value is { } v ? v.ToString("0.###", CultureInfo.InvariantCulture) : "-";
        static string Whole(long value) => value.ToString(CultureInfo.InvariantCulture);

        var down = new Table().Border(TableBorder.Rounded).Title("tariff: head-end to devices")
            .AddColumns("devices", "delivered", "head-end copies sent", "domains", "time to last delivery");
        down.AddRow(
            Whole(demo.Devices),
            demo.Delivered == demo.Devices ? $"[green]{demo.Delivered}[/]" : $"[red]{demo.Delivered}[/]",
            Whole(demo.SenderCopies),
            Whole(demo.Domains),
            demo.TimedOut ? "[red]timed out[/]" : string.Create(CultureInfo.InvariantCulture, $"{demo.ElapsedMs:F1} ms"));
        AnsiConsole.Write(down);

        var round = demo.Aggregate;
        var up = new Table().Border(TableBorder.Rounded).Title("meter reading: devices to head-end, aggregated on the way")
            .AddColumns("", "value");
        up.AddRow("readings aggregated (count)", round.Missing == 0 ? $"[green]{round.Count}[/]" : $"[red]{round.Count}[/]");
        up.AddRow("sum (kWh)", round.Sum == round.ExpectedSum ? Number(round.Sum) : $"[red]{Number(round.Sum)}[/] (the devices read {Number(round.ExpectedSum)})");
        up.AddRow("mean (kWh)", Number(round.Mean));
        up.AddRow("missing", round.Missing == 0 ? "0" : $"[red]{round.Missing}[/]");
        up.AddRow("head-end messages", $"{Whole(round.HeadEndMessages)}: {Whole(round.RepliesFromOwnDomain)} replies + {Whole(round.HeadEndMessages - round.RepliesFromOwnDomain)} partial(s)");
        up.AddRow("gateway partials", round.GatewayPartials.ToString(CultureInfo.InvariantCulture));
        up.AddRow("missing subtrees", round.MissingSubtrees == 0 ? "0" : $"[red]{round.MissingSubtrees}[/]");
        up.AddRow("round", string.Create(CultureInfo.InvariantCulture, $"{round.ElapsedMs:F0} ms (answered at the {demo.DeadlineMs:F0} ms deadline)"));
        AnsiConsole.Write(up);

        AnsiConsole.MarkupLine(demo.Delivered == demo.Devices
            ? "[green]Every device received the update from one multicast send by the head-end.[/]"
            : "[red]Not every device received the update.[/]");
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, round.Missing == 0
            ? "[green]Every device's reading is in one aggregate: {0} message(s) reached the head-end for {1} readings.[/]"
            : "[red]Not every device's reading is in the aggregate: {2} missing (a longer --deadline gives the gateways more time).[/]",
            round.HeadEndMessages, demo.Devices, round.Missing);
    }

    private sealed class SilentObserver : DemoRunner.IObserver
    {
        public void DomainReached(int reached)
        {
        }

        public void DeviceJoined(int joined)
        {
        }

        public void Published()
        {
        }

        public void Delivered(int delivered)
        {
        }

        public void RoundStarted()
        {
        }

        public void Answered(int answered)
        {
        }
    }

    private sealed class ProgressObserver(ProgressTask reached, ProgressTask joined, ProgressTask delivered, ProgressTask answered) : DemoRunner.IObserver
    {
        public void DomainReached(int count) => reached.Value = count;

        public void DeviceJoined(int count) => joined.Value = count;

        public void Published() => delivered.Description = "tariff delivered (published)";

        public void Delivered(int count) => delivered.Value = count;

        public void RoundStarted() => answered.Description = "meter readings answered (requested)";

        public void Answered(int count) => answered.Value = count;
    }
}
