using System.Diagnostics;
using System.Globalization;
using Bridge.Multicast.Aggregation;
using Bridge.Simulation;
using Bridge.Simulation.Scenarios;

namespace Bridge.Benchmarks.Aggregation;

/// <summary>
/// The issue-11 simulation as a measurement: <see cref="UtilityGrid"/> at full scale (1,000
/// gateways running the real gateway code, 1,000,000 devices by default), settled, then one
/// meter-reading round. Prints a Markdown table on stdout (wall-clock time of each phase, peak
/// memory, the head-end's messages against n-times unicast polling) and progress on stderr.
/// </summary>
/// <remarks>
/// n-times unicast polling: the head-end asks each device in turn and receives one reply per
/// device, so its messages per round are the devices that answer. Here it receives what reaches
/// its node for the round: the partials of its domain's gateways and the replies of devices on
/// its own domain (none in this grid). Peak memory is the process's peak resident set (VmHWM), so
/// it includes the runtime; the managed heap is reported beside it.
/// </remarks>
public static class ReverseChannelSimulation
{
    public static Task<int> RunAsync(string[] args)
    {
        var devices = 1_000_000;
        var seed = 1200;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--devices" when i + 1 < args.Length:
                    devices = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--seed" when i + 1 < args.Length:
                    seed = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                default:
                    Console.Error.WriteLine($"unknown argument '{args[i]}'; use [--devices N] [--seed S]");
                    return Task.FromResult(2);
            }
        }

        var spec = new AggregationSpec
        {
            Functions = AggregateFunctions.Count | AggregateFunctions.Sum | AggregateFunctions.Min | AggregateFunctions.Max | AggregateFunctions.Mean | AggregateFunctions.Histogram,
            HistogramBounds = [1000, 2500, 5000, 7500],
        };

        var total = Stopwatch.StartNew();
        var sim = new Simulator(seed);
        var phase = Stopwatch.StartNew();
        var grid = new UtilityGrid(sim, new UtilityGridShape { Devices = devices });
        var build = phase.Elapsed;
        Console.Error.WriteLine($"built {grid.Gateways.Count} gateways, {grid.Links.Count} overlay links, {grid.Devices} devices in {build.TotalSeconds:0.00} s ({total.Elapsed.TotalSeconds:0.0})");

        phase.Restart();
        var settledVirtual = grid.Settle();
        var settle = phase.Elapsed;
        var settleEvents = sim.Counters.Events;
        Console.Error.WriteLine($"settled in {settledVirtual.TotalMilliseconds} ms of virtual time, {settle.TotalSeconds:0.00} s ({total.Elapsed.TotalSeconds:0.0})");

        phase.Restart();
        var round = grid.Ask(spec, TimeSpan.FromSeconds(4));
        var completed = grid.DriveUntilResult(round);
        var roundTime = phase.Elapsed;
        var roundEvents = sim.Counters.Events - settleEvents;
        var result = completed.Result;
        Console.Error.WriteLine($"round done in {roundTime.TotalSeconds:0.00} s ({total.Elapsed.TotalSeconds:0.0})");

        // The expected aggregate, straight from the readings.
        ulong count = 0;
        Int128 sumUnits = 0;
        foreach (var domain in grid.Domains.Where(d => d.Swarm is not null))
        {
            for (var k = 0UL; k < (ulong)domain.Devices; k++)
            {
                count++;
                sumUnits += (Int128)grid.Readings.Quarters(round.RequestId, domain.Swarm!.FirstMemberId + k) << 30;
            }
        }

        var exact = result.Count == count && result.SumUnits == sumUnits && result.MissingSubtreeCount == 0;
        var headEnd = round.PartialFramesAtHeadEnd + round.ReplyFramesAtHeadEnd;
        using var process = Process.GetCurrentProcess();
        var peak = process.PeakWorkingSet64;
        var heap = GC.GetGCMemoryInfo().HeapSizeBytes;

        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine("| | |");
        Console.WriteLine("| --- | ---: |");
        Console.WriteLine(string.Create(inv, $"| Gateways (control centre + providers + leaves) | {grid.Gateways.Count} (1 + {grid.Shape.Providers} + {grid.Shape.Leaves}) |"));
        Console.WriteLine(string.Create(inv, $"| Overlay links (transit ring + chords, leaf access lines) | {grid.Links.Count} |"));
        Console.WriteLine(string.Create(inv, $"| Devices | {grid.Devices:N0} |"));
        Console.WriteLine(string.Create(inv, $"| Build (wall) | {build.TotalSeconds:0.00} s |"));
        Console.WriteLine(string.Create(inv, $"| Settle: virtual / wall / events | {settledVirtual.TotalMilliseconds:0} ms / {settle.TotalSeconds:0.00} s / {settleEvents:N0} |"));
        Console.WriteLine(string.Create(inv, $"| Round: virtual (request to result) / wall / events | {(round.ResultAt - round.AskedAt)!.Value.TotalMilliseconds:0} ms / {roundTime.TotalSeconds:0.00} s / {roundEvents:N0} |"));
        Console.WriteLine(string.Create(inv, $"| Total run (wall) | {total.Elapsed.TotalSeconds:0.00} s |"));
        Console.WriteLine(string.Create(inv, $"| Peak resident memory (VmHWM) / managed heap at the end | {peak / (1024.0 * 1024):0} MiB / {heap / (1024.0 * 1024):0} MiB |"));
        Console.WriteLine(string.Create(inv, $"| Result: count / mean / exact | {result.Count:N0} / {result.Mean:0.000} / {(exact ? "yes" : "NO")} |"));
        Console.WriteLine(string.Create(inv, $"| Head-end messages per round: aggregated (partials + replies) | {headEnd} ({round.PartialFramesAtHeadEnd} + {round.ReplyFramesAtHeadEnd}) |"));
        Console.WriteLine(string.Create(inv, $"| Head-end messages per round: n-times unicast polling | {count:N0} |"));
        Console.WriteLine(string.Create(inv, $"| Partials over overlay links per round | {round.PartialsOverOverlay:N0} |"));
        return Task.FromResult(exact ? 0 : 1);
    }
}
