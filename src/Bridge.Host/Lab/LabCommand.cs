using System.Collections.Immutable;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Bridge.Host.Cli;
using Bridge.Lab.Reporting;
using Bridge.Lab.Schemes;
using Spectre.Console;

namespace Bridge.Host.Lab;

/// <summary>
/// <c>gridcast lab de|eu|sweep</c>: the paper's measurement of n-times unicast against hybrid
/// multicast with home (HG) and provider gateways (PG) on the DFN (de) or GÉANT (eu) backbone,
/// run by the real gateway code on the deterministic simulator, or the scale sweep over the
/// number of devices (docs/evaluation.md).
/// </summary>
internal static class LabCommand
{
    /// <summary>What the SETUP argument takes.</summary>
    public static readonly ImmutableArray<string> Choices = ["de", "eu", "sweep"];

    public static Command Create()
    {
        var setup = new Argument<string>("SETUP")
        {
            Description = "de (30 nodes at 15 sites on DFN), eu (60 nodes at 30 sites on GÉANT) or sweep (more and more devices on GÉANT)",
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
                var known = Choices.FirstOrDefault(c => string.Equals(c, text, StringComparison.OrdinalIgnoreCase));
                if (known is null)
                {
                    result.AddError($"unknown setup '{text}': choose {string.Join(", ", Choices.SkipLast(1))} or {Choices[^1]}");
                    return string.Empty;
                }

                return known;
            },
        };
        var runs = CommonOptions.WholeNumber("--runs", "Placements to run (seeds S, S+1, ...); de and eu", "R", defaultValue: 5, min: 1, max: 1000);
        var seed = CommonOptions.WholeNumber("--seed", "First seed of the placements and simulations", "S", defaultValue: 1, min: 0);
        var devices = new Option<int[]?>("--devices")
        {
            Description = $"Device counts of the sweep, comma-separated, at least 30 each (one per site) [default: {string.Join(',', SweepRunner.DefaultDevices)}]",
            HelpName = "N,N,...",
            CustomParser = result => ParseDevices(result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty, result.AddError),
        };
        var perHome = CommonOptions.WholeNumber("--devices-per-home", "Devices behind one home gateway in the sweep's HG; sweep", "D", defaultValue: SweepOptions.Default.DevicesPerHome, min: 1, max: 1000);
        var output = new Option<string?>("--out", "--plot")
        {
            Description = "Directory for the PNG plots (delay CDF and link stress per scheme); de and eu",
            HelpName = "DIR",
        };
        var neighbours = CommonOptions.WholeNumber("--neighbours", "Nearest sites each site's transit gateway peers with, besides the minimum spanning tree; de and eu", "K", defaultValue: HybridOptions.Default.OverlayNeighbours, min: 0, max: 29);
        var json = CommonOptions.Json();
        var command = new Command("lab", "Measure delay and link stress of unicast, hybrid HG and hybrid PG on a research backbone (the evaluation lab)")
        {
            setup, runs, seed, devices, perHome, neighbours, output, json,
        };
        command.Validators.Add(result =>
        {
            // The setup's tokens, not its value: a wrong setup has no value, and its own error says so.
            var tokens = result.GetResult(setup)?.Tokens;
            var sweep = tokens is [{ } token] && string.Equals(token.Value, "sweep", StringComparison.OrdinalIgnoreCase);
            if (sweep && result.GetResult(output) is not null)
            {
                result.AddError("--out: the sweep writes no plots; give --out with de or eu");
            }
        });

        command.SetAction(result =>
        {
            var which = result.GetRequiredValue(setup);
            var asJson = result.GetValue(json);
            if (which == "sweep")
            {
                var points = WithProgress(asJson, $"Sweep on GÉANT, seed {result.GetValue(seed)}", progress => SweepRunner.Run(result.GetValue(devices) ?? [.. SweepRunner.DefaultDevices], result.GetValue(seed), progress, SweepOptions.Default with { DevicesPerHome = result.GetValue(perHome) }));
                if (asJson)
                {
                    Console.WriteLine(JsonSerializer.Serialize(new SweepOutput(result.GetValue(seed), points), LabJson.Printed.SweepOutput));
                }
                else
                {
                    LabTables.Sweep(points);
                }

                return GridcastCommand.Ok;
            }

            var labSetup = LabRunner.Setups[which];
            var report = WithProgress(
                asJson,
                string.Create(CultureInfo.InvariantCulture, $"{labSetup.Name}: {labSetup.Nodes} nodes at {labSetup.Sites} sites on {labSetup.Topology}, {result.GetValue(runs)} run(s) from seed {result.GetValue(seed)}, overlay of {result.GetValue(neighbours)} nearest sites"),
                progress => LabRunner.Run(labSetup, result.GetValue(seed), result.GetValue(runs), HybridOptions.Default with { OverlayNeighbours = result.GetValue(neighbours) }, progress));
            var plots = result.GetValue(output) is { } directory ? LabPlots.Write(report, directory) : [];
            if (asJson)
            {
                Console.WriteLine(JsonSerializer.Serialize(LabOutput.Of(report, plots), LabJson.Printed.LabOutput));
            }
            else
            {
                LabTables.Report(report);
                foreach (var plot in plots)
                {
                    AnsiConsole.MarkupLine($"plot: [blue]{plot.EscapeMarkup()}[/]");
                }
            }

            return GridcastCommand.Ok;
        });
        return command;
    }

    private static int[] ParseDevices(string text, Action<string> error)
    {
        var counts = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 30)
            {
                error($"--devices: '{part}' is not a whole number of at least 30 (one device per site)");
                return [];
            }

            counts.Add(count);
        }

        return [.. counts];
    }

    /// <summary>Runs <paramref name="work"/> under a progress bar, or silently when the output is JSON.</summary>
    private static T WithProgress<T>(bool silent, string title, Func<IProgress<LabProgress>?, T> work)
    {
        if (silent)
        {
            return work(null);
        }

        AnsiConsole.MarkupLine($"GridCast lab: [blue]{title.EscapeMarkup()}[/]");
        return AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("starting", maxValue: 1);
                var result = work(new TaskProgress(task));
                task.StopTask();
                return result;
            });
    }

    /// <summary>Moves the bar as each step ends (the runner reports synchronously, on this thread).</summary>
    private sealed class TaskProgress(ProgressTask task) : IProgress<LabProgress>
    {
        public void Report(LabProgress value)
        {
            task.MaxValue = value.Total;
            task.Value = value.Done;
            task.Description = value.Step.EscapeMarkup();
        }
    }
}
