using System.Diagnostics;
using System.Globalization;
using Bridge.Multicast;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports.Ip;
using Bridge.Multicast.Wire;

namespace Bridge.Benchmarks.Throughput;

/// <summary>
/// Frames per second one sender and one receiver reach over real UDP multicast on the loopback
/// interface, through the whole stack (<see cref="MulticastSocket"/>: framing, the sans-IO
/// endpoint, the IP module). The sender runs flat out on one thread; the receiver reads on
/// another. "Sent" is what the sender pushed into the kernel, "received" what came out of
/// <see cref="MulticastSocket.ReceiveAsync"/>; the difference is what the receiver's socket
/// buffer dropped while the receiver could not keep up.
/// </summary>
/// <remarks>Run: <c>dotnet run -c Release --project bench/Bridge.Benchmarks -- throughput [--seconds S] [--payloads 100,1000]</c>.</remarks>
public static class LoopbackThroughput
{
    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = 5.0;
        int[] payloads = [100, 1000];
        for (var i = 0; i < args.Length - 1; i++)
        {
            switch (args[i])
            {
                case "--seconds":
                    seconds = double.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--payloads":
                    payloads = [.. args[i + 1].Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture))];
                    break;
            }
        }

        var results = new List<Result>();
        var port = 27100;
        foreach (var payload in payloads)
        {
            results.Add(await MeasureAsync(payload, TimeSpan.FromSeconds(seconds), port++));
        }

        Console.WriteLine();
        Console.WriteLine($"Loopback multicast throughput, {seconds:F0} s per payload size, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        Console.WriteLine();
        Console.WriteLine("| payload (B) | frame (B) | sent (frames/s) | received (frames/s) | received (MB/s payload) | lost (%) | process CPU (cores) |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Payload} | {r.FrameSize} | {r.SentPerSecond:N0} | {r.ReceivedPerSecond:N0} | {r.ReceivedPerSecond * r.Payload / 1e6:F1} | {r.LostPercent:F2} | {r.Cores:F2} |"));
        }

        return 0;
    }

    private static async Task<Result> MeasureAsync(int payloadSize, TimeSpan duration, int port)
    {
        var group = GroupName.Parse($"ham:ip:239.193.200.1:{port}");
        var loopback = MulticastInterface.Loopback();
        var ip = new IpMulticastOptions { ReceiveBufferSize = 8 << 20 };
        await using var receiver = MulticastSocket.Create(loopback, ip: ip);
        await using var sender = MulticastSocket.Create(loopback, ip: ip);
        receiver.Join(group);
        var payload = new byte[payloadSize];
        Random.Shared.NextBytes(payload);

        long received = 0;
        using var stopReceiving = new CancellationTokenSource();
        var receiving = Task.Run(async () =>
        {
            try
            {
                await foreach (var _ in receiver.ReceiveAsync(stopReceiving.Token))
                {
                    Interlocked.Increment(ref received);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        long sent = 0;
        var sending = Task.Factory.StartNew(() =>
        {
            var nextReport = TimeSpan.FromSeconds(1);
            while (clock.Elapsed < duration)
            {
                sender.SendAsync(group, payload, ContentType.Raw).AsTask().GetAwaiter().GetResult();
                sent++;
                if (clock.Elapsed >= nextReport)
                {
                    Console.Error.WriteLine($"  {payloadSize} B: {nextReport.TotalSeconds:F0} s, sent {sent:N0}, received {Interlocked.Read(ref received):N0}");
                    nextReport += TimeSpan.FromSeconds(1);
                }
            }
        }, TaskCreationOptions.LongRunning);
        await sending;
        var sendTime = clock.Elapsed;

        // Let the receiver drain what the kernel still holds: stop once a short interval brings nothing new.
        long before;
        do
        {
            before = Interlocked.Read(ref received);
            await Task.Delay(200);
        }
        while (Interlocked.Read(ref received) != before);

        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var elapsed = clock.Elapsed;
        await stopReceiving.CancelAsync();
        await receiving;
        var total = Interlocked.Read(ref received);
        return new Result(
            payloadSize,
            FrameCodec.GetEncodedSize(group.WireName.Length, payloadSize),
            sent / sendTime.TotalSeconds,
            total / sendTime.TotalSeconds,
            sent == 0 ? 0 : 100.0 * (sent - total) / sent,
            cpu / elapsed);
    }

    private sealed record Result(int Payload, int FrameSize, double SentPerSecond, double ReceivedPerSecond, double LostPercent, double Cores);
}
