using System.Diagnostics;
using System.Globalization;

namespace Bridge.Benchmarks.Gateway;

/// <summary>
/// Latency added by gateway hops, and the forwarding rate of one gateway pair, through real
/// <see cref="Bridge.Multicast.Transports.Overlay.GatewayNode"/>s over TLS on loopback
/// (<see cref="GatewayChain"/>).
/// </summary>
/// <remarks>
/// <para>
/// Latency: for 2, 3 and 4 gateways (1, 2 and 3 overlay hops) a chain is built, probes are sent
/// until one crosses it, a warm-up is sent and dropped, then N frames are sent in a closed loop:
/// each frame after the previous one arrived, so a frame never queues behind another. The
/// latency of a frame is from just before it is encoded on domain A to its arrival on domain B.
/// The latency added per hop is the difference between chains one hop apart.
/// </para>
/// <para>
/// Rate: through a chain of 2 gateways, frames are sent flat out for S seconds, but with at most
/// W frames on their way (sent, not yet arrived and not dropped), so the in-process domain's
/// unbounded queue stays bounded. What arrives per second on domain B is the forwarding rate of
/// the pair; frames g1 dropped because its queue towards g2 was full are counted apart.
/// </para>
/// <para>Run: <c>dotnet run -c Release --project bench/Bridge.Benchmarks -- gateway-latency [--messages N] [--hops 1..3] [--seconds S] [--window W] [--payload B]</c>.</para>
/// </remarks>
public static class GatewayLatency
{
    private static readonly TimeSpan PathTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ArrivalTimeout = TimeSpan.FromSeconds(2);

    public static async Task<int> RunAsync(string[] args)
    {
        var messages = 5000;
        var warmup = 500;
        var (minHops, maxHops) = (1, 3);
        var seconds = 5.0;
        var window = 10_000;
        var payload = 100;
        for (var i = 0; i < args.Length - 1; i++)
        {
            var value = args[i + 1];
            switch (args[i])
            {
                case "--messages":
                    messages = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--warmup":
                    warmup = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--hops":
                    var range = value.Split("..");
                    minHops = int.Parse(range[0], CultureInfo.InvariantCulture);
                    maxHops = int.Parse(range[^1], CultureInfo.InvariantCulture);
                    break;
                case "--seconds":
                    seconds = double.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--window":
                    window = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--payload":
                    payload = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
            }
        }

        if (minHops < 1 || maxHops < minHops || messages < 1 || window < 1)
        {
            Console.Error.WriteLine("usage: gateway-latency [--messages N] [--warmup N] [--hops 1..3] [--seconds S] [--window W] [--payload B]");
            return 2;
        }

        var latencies = new List<LatencyResult>();
        for (var hops = minHops; hops <= maxHops; hops++)
        {
            latencies.Add(await MeasureLatencyAsync(hops, messages, warmup, payload));
        }

        var rate = seconds > 0 ? await MeasureRateAsync(TimeSpan.FromSeconds(seconds), window, payload) : null;
        Print(latencies, rate, payload, messages, seconds, window);
        return latencies.All(static l => l.Lost == 0) ? 0 : 1;
    }

    private static async Task<LatencyResult> MeasureLatencyAsync(int hops, int messages, int warmup, int payload)
    {
        Console.Error.WriteLine($"{hops} hop(s): starting {hops + 1} gateways");
        await using var chain = await GatewayChain.StartAsync(hops + 1);
        var source = new FrameSource(payload);
        var ready = await chain.WaitForPathAsync(source, PathTimeout);
        Console.Error.WriteLine($"{hops} hop(s): path up after {ready.TotalMilliseconds:F0} ms");

        // The receiver signals each arrival; the sender waits for the frame it sent, so no frame waits behind another.
        ulong expected = 0;
        long age = 0;
        using var arrived = new SemaphoreSlim(0);
        chain.Received += datagram =>
        {
            if (FrameSource.SequenceOf(datagram) == Volatile.Read(ref expected) && FrameSource.StampOf(datagram) is { } stamp)
            {
                Volatile.Write(ref age, Stopwatch.GetTimestamp() - stamp);
                arrived.Release();
            }
        };

        var samples = new List<double>(messages);
        var lost = 0;
        var clock = Stopwatch.StartNew();
        var nextReport = TimeSpan.FromSeconds(1);
        for (var i = -warmup; i < messages; i++)
        {
            var frame = source.Next();
            Volatile.Write(ref expected, source.Sequence);
            await chain.SendAsync(frame);
            if (!await arrived.WaitAsync(ArrivalTimeout))
            {
                lost++;
                continue;
            }

            if (i >= 0)
            {
                samples.Add(Volatile.Read(ref age) * 1e6 / Stopwatch.Frequency);
            }

            if (clock.Elapsed >= nextReport)
            {
                Console.Error.WriteLine($"{hops} hop(s): {Math.Max(0, i + 1):N0} of {messages:N0} measured");
                nextReport += TimeSpan.FromSeconds(1);
            }
        }

        samples.Sort();
        return new LatencyResult(hops, samples.Count, lost, Percentile(samples, 0.50), Percentile(samples, 0.90), Percentile(samples, 0.99), samples.Count == 0 ? double.NaN : samples[^1]);
    }

    private static async Task<RateResult> MeasureRateAsync(TimeSpan duration, int window, int payload)
    {
        Console.Error.WriteLine("rate: starting 2 gateways");
        await using var chain = await GatewayChain.StartAsync(2);
        var source = new FrameSource(payload);
        await chain.WaitForPathAsync(source, PathTimeout);
        var first = source.Sequence + 1;
        long received = 0;
        chain.Received += datagram =>
        {
            if (FrameSource.SequenceOf(datagram) >= first)
            {
                Interlocked.Increment(ref received);
            }
        };

        var g1 = chain.Nodes[0];
        var dropsBefore = g1.PeerQueueDrops;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        long sent = 0;
        var sending = Task.Factory.StartNew(
            () =>
            {
                var nextReport = TimeSpan.FromSeconds(1);
                var spin = new SpinWait();
                while (clock.Elapsed < duration)
                {
                    if (sent - Interlocked.Read(ref received) - (g1.PeerQueueDrops - dropsBefore) >= window)
                    {
                        spin.SpinOnce();
                        continue;
                    }

                    chain.SendAsync(source.Next()).AsTask().GetAwaiter().GetResult();
                    sent++;
                    if (clock.Elapsed >= nextReport)
                    {
                        Console.Error.WriteLine($"rate: {nextReport.TotalSeconds:F0} s, sent {sent:N0}, delivered {Interlocked.Read(ref received):N0}, dropped {g1.PeerQueueDrops - dropsBefore:N0}");
                        nextReport += TimeSpan.FromSeconds(1);
                    }
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        await sending;
        var sendTime = clock.Elapsed;

        // What is still on its way arrives within a short quiet interval.
        long before;
        do
        {
            before = Interlocked.Read(ref received);
            await Task.Delay(300);
        }
        while (Interlocked.Read(ref received) != before);

        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var elapsed = clock.Elapsed;
        var total = Interlocked.Read(ref received);
        var drops = chain.Nodes.Sum(static n => n.PeerQueueDrops) - dropsBefore;
        return new RateResult(window, sent, total, drops, sent / sendTime.TotalSeconds, total / sendTime.TotalSeconds, cpu / elapsed);
    }

    private static double Percentile(List<double> sorted, double quantile)
        => sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static void Print(List<LatencyResult> latencies, RateResult? rate, int payload, int messages, double seconds, int window)
    {
        var invariant = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine($"Gateway chain over TLS on loopback, {payload}-byte payloads, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        Console.WriteLine();
        Console.WriteLine($"Latency, domain A to domain B, {messages:N0} frames per chain, closed loop (µs):");
        Console.WriteLine();
        Console.WriteLine("| gateways | overlay hops | frames | lost | p50 | p90 | p99 | max |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var l in latencies)
        {
            Console.WriteLine(string.Create(invariant, $"| {l.Hops + 1} | {l.Hops} | {l.Frames:N0} | {l.Lost} | {l.P50:F0} | {l.P90:F0} | {l.P99:F0} | {l.Max:F0} |"));
        }

        if (latencies.Count > 1)
        {
            Console.WriteLine();
            Console.WriteLine("Added per gateway hop (difference between chains one hop apart, µs):");
            Console.WriteLine();
            Console.WriteLine("| from → to hops | Δp50 | Δp90 | Δp99 |");
            Console.WriteLine("|---|---:|---:|---:|");
            for (var i = 1; i < latencies.Count; i++)
            {
                var (a, b) = (latencies[i - 1], latencies[i]);
                Console.WriteLine(string.Create(invariant, $"| {a.Hops} → {b.Hops} | {b.P50 - a.P50:F0} | {b.P90 - a.P90:F0} | {b.P99 - a.P99:F0} |"));
            }

            var (lo, hi) = (latencies[0], latencies[^1]);
            var span = hi.Hops - lo.Hops;
            Console.WriteLine(string.Create(invariant, $"| mean of {lo.Hops} → {hi.Hops} | {(hi.P50 - lo.P50) / span:F0} | {(hi.P90 - lo.P90) / span:F0} | {(hi.P99 - lo.P99) / span:F0} |"));
        }

        if (rate is not null)
        {
            Console.WriteLine();
            Console.WriteLine($"Rate, native → overlay → native through 2 gateways, {seconds:F0} s, at most {window:N0} frames on their way:");
            Console.WriteLine();
            Console.WriteLine("| sent | delivered | dropped (peer queue) | sent (frames/s) | delivered (frames/s) | process CPU (cores) |");
            Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
            Console.WriteLine(string.Create(invariant, $"| {rate.Sent:N0} | {rate.Delivered:N0} | {rate.Dropped:N0} | {rate.SentPerSecond:N0} | {rate.DeliveredPerSecond:N0} | {rate.Cores:F2} |"));
        }
    }

    private sealed record LatencyResult(int Hops, int Frames, int Lost, double P50, double P90, double P99, double Max);

    private sealed record RateResult(int Window, long Sent, long Delivered, long Dropped, double SentPerSecond, double DeliveredPerSecond, double Cores);
}
