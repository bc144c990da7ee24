using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Bridge.Adapters.Mqtt.Client;
using Bridge.Adapters.Mqtt.Rules;
using Bridge.Core.Routing;
using Bridge.Multicast;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports.Ip;
using MQTTnet.Protocol;

namespace Bridge.Benchmarks.BrokerFanout;

/// <summary>
/// Messages per second from a broker to R receivers, through one GridCast bridge and one
/// multicast group, against the broker's own fan-out to R subscribers, in the same run and
/// against the same Mosquitto, with the broker's CPU time per message for each.
/// </summary>
/// <remarks>
/// <para>
/// For each receiver count R and QoS q a fresh Mosquitto is started (a child process on a free
/// loopback port) and used by both paths, one after the other:
/// </para>
/// <list type="bullet">
/// <item>GridCast: a bridge (<see cref="MqttBrokerClient"/> in client mode, rule
/// <c>bench/#</c> → an IPv4 group, sending through a <see cref="MulticastSocket"/> on the loopback
/// interface) and R <see cref="MulticastSocket"/>s joined to the group.</item>
/// <item>Fan-out: R MQTTnet subscribers of <c>bench/#</c> at QoS q.</item>
/// </list>
/// <para>
/// In both, an MQTTnet publisher first sends probes until every receiver has one, then N
/// 100-byte messages on <c>bench/x</c> at QoS q (QoS 1: at most W waiting for PUBACK). The rate
/// is N over the time from the first publish to the last arrival at any receiver, once every
/// receiver has all N (or nothing arrived for 5 s: the shortfall is reported). Broker CPU is the
/// broker's threads' run time (<c>/proc/PID/task/*/schedstat</c>) over the same interval, bytes
/// written its <c>wchar</c> (<c>/proc/PID/io</c>), both per message.
/// </para>
/// <para>Run: <c>dotnet run -c Release --project bench/Bridge.Benchmarks -- fanout [--receivers 1,10,100,1000] [--messages N] [--qos 0,1] [--window W] [--max-deliveries D]</c>.</para>
/// </remarks>
public static class BridgeVersusBroker
{
    private const int PayloadSize = 100;

    /// <summary>How long a stage that waits on the broker (a connection, subscribing) may take before the run fails naming it.</summary>
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);
    private static readonly Stopwatch Clock = Stopwatch.StartNew();
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(5);

    private static int _nextGroup;

    public static async Task<int> RunAsync(string[] args)
    {
        int[] receiverCounts = [1, 10, 100, 1000];
        int[] qosLevels = [0, 1];
        var messages = 2000;
        var window = 20;
        var maxDeliveries = 1_000_000;
        for (var i = 0; i < args.Length - 1; i++)
        {
            var value = args[i + 1];
            switch (args[i])
            {
                case "--receivers":
                    receiverCounts = ParseList(value);
                    break;
                case "--qos":
                    qosLevels = ParseList(value);
                    break;
                case "--messages":
                    messages = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--window":
                    window = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--max-deliveries":
                    maxDeliveries = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
            }
        }

        if (messages < 1 || window < 1 || receiverCounts.Any(static r => r < 1) || qosLevels.Any(static q => q is not (0 or 1)))
        {
            Console.Error.WriteLine("usage: fanout [--receivers 1,10,100,1000] [--messages N] [--qos 0,1] [--window W] [--max-deliveries D]");
            return 2;
        }

        Console.Error.WriteLine($"fanout: load average {LoadAverage()} at start; each stage line ends with the seconds since");
        var loopback = MulticastInterface.Loopback();
        var results = new List<Comparison>();
        var clock = Stopwatch.StartNew();
        foreach (var qos in qosLevels)
        {
            foreach (var receivers in receiverCounts)
            {
                // Fewer messages for many receivers keeps R x N, and so the run's length, bounded.
                var n = Math.Max(1, Math.Min(messages, maxDeliveries / receivers));
                using var broker = await MosquittoProcess.StartAsync();
                Console.Error.WriteLine($"fanout: QoS {qos}, {receivers} receivers, {n} messages, mosquitto pid {broker.ProcessId} on port {broker.Port} [{Since()}]");
                var gridcast = await MeasureGridCastAsync(broker, loopback, receivers, n, (MqttQualityOfServiceLevel)qos, window);
                var fanout = await MeasureFanoutAsync(broker, receivers, n, (MqttQualityOfServiceLevel)qos, window);
                results.Add(new Comparison(qos, receivers, n, gridcast, fanout));
            }
        }

        Print(results, window, clock.Elapsed);
        return results.All(static r => r.GridCast.Complete && r.Fanout.Complete) ? 0 : 1;
    }

    private static async Task<PathResult> MeasureGridCastAsync(
        MosquittoProcess broker, MulticastInterface loopback, int receivers, int messages, MqttQualityOfServiceLevel qos, int window)
    {
        var label = $"  GridCast, QoS {(int)qos}, R={receivers}";
        var group = GroupName.Parse(string.Create(CultureInfo.InvariantCulture,
            $"ham:ip:239.193.251.{(Interlocked.Increment(ref _nextGroup) % 250) + 1}:{FreeUdpPort()}"));
        var tally = new DeliveryTally(receivers, messages);
        Console.Error.WriteLine($"{label}: joining {receivers} sockets to {group} [{Since()}]");
        await using var groupReceivers = GroupReceivers.Join(group, loopback, tally);
        await using var bridgeSocket = MulticastSocket.Create(loopback);
        var router = new Router(MqttRules.Table([new TopicToGroupRule(TopicFilter.Parse("bench/#"), group)], []), bridgeSocket);
        var settings = new MqttClientSettings
        {
            Broker = MqttClientSettings.ParseBroker($"mqtt://127.0.0.1:{broker.Port.ToString(CultureInfo.InvariantCulture)}"),
            ClientId = $"fanout-bridge-{Guid.NewGuid():N}",
            // Nothing stays queued at the broker for the bridge after this path is done.
            SessionExpiry = TimeSpan.Zero,
        };
        await using var bridge = await StageAsync(label, "bridge connecting", token => MqttBrokerClient.StartAsync(settings, router, StderrLogger.Instance, cancellationToken: token));
        await using var publisher = await StageAsync(label, "publisher connecting", token => FanoutPublisher.ConnectAsync(broker.Port, token));
        Console.Error.WriteLine($"{label}: probing [{Since()}]");
        await publisher.ProbeAsync(tally, PayloadSize, ProbeTimeout);
        var framesBefore = bridgeSocket.Counters.FramesSent;
        var bytesBefore = bridgeSocket.Counters.BytesSent;
        var result = await MeasureAsync(label, broker, publisher, tally, qos, window);
        return result with
        {
            SenderCopies = (double)(bridgeSocket.Counters.FramesSent - framesBefore) / messages,
            SenderBytes = (double)(bridgeSocket.Counters.BytesSent - bytesBefore) / messages,
        };
    }

    private static async Task<PathResult> MeasureFanoutAsync(
        MosquittoProcess broker, int receivers, int messages, MqttQualityOfServiceLevel qos, int window)
    {
        var label = $"  fan-out,  QoS {(int)qos}, R={receivers}";
        var tally = new DeliveryTally(receivers, messages);
        await using var subscribers = await StageAsync(label, $"connecting {receivers} subscribers", token => MqttSubscribers.ConnectAsync(broker.Port, qos, tally, token));
        await using var publisher = await StageAsync(label, "publisher connecting", token => FanoutPublisher.ConnectAsync(broker.Port, token));
        Console.Error.WriteLine($"{label}: probing [{Since()}]");
        await publisher.ProbeAsync(tally, PayloadSize, ProbeTimeout);
        var result = await MeasureAsync(label, broker, publisher, tally, qos, window);
        // The broker's copies of a message are the deliveries it made.
        return result with { SenderCopies = (double)tally.Delivered / messages, SenderBytes = result.BrokerBytesPerMessage };
    }

    private static async Task<PathResult> MeasureAsync(
        string label, MosquittoProcess broker, FanoutPublisher publisher, DeliveryTally tally, MqttQualityOfServiceLevel qos, int window)
    {
        var process = Process.GetCurrentProcess();
        var brokerCpuBefore = broker.CpuTime();
        var brokerBytesBefore = broker.BytesWritten();
        process.Refresh();
        var harnessCpuBefore = process.TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        var publishing = publisher.PublishAsync(tally.Messages, PayloadSize, qos, window);

        var lastProgress = Stopwatch.GetTimestamp();
        var lastDelivered = 0L;
        var nextReport = TimeSpan.FromSeconds(1);
        while (!tally.Complete)
        {
            await Task.Delay(10);
            var delivered = tally.Delivered;
            if (delivered != lastDelivered)
            {
                (lastDelivered, lastProgress) = (delivered, Stopwatch.GetTimestamp());
            }
            else if (publishing.IsCompleted && Stopwatch.GetElapsedTime(lastProgress) > StallTimeout)
            {
                break;
            }

            if (Stopwatch.GetElapsedTime(started) >= nextReport)
            {
                Console.Error.WriteLine($"{label}: {nextReport.TotalSeconds:F0} s, {delivered:N0} of {(long)tally.Receivers * tally.Messages:N0} delivered");
                nextReport += TimeSpan.FromSeconds(1);
            }
        }

        await publishing;
        var brokerCpu = broker.CpuTime() - brokerCpuBefore;
        var brokerBytes = broker.BytesWritten() - brokerBytesBefore;
        process.Refresh();
        var harnessCpu = process.TotalProcessorTime - harnessCpuBefore;
        var elapsed = Stopwatch.GetElapsedTime(started, tally.LastArrival);
        var result = new PathResult(
            tally.Complete,
            tally.Delivered,
            tally.CompleteReceivers,
            tally.Messages / elapsed.TotalSeconds,
            brokerCpu.TotalMicroseconds / tally.Messages,
            (double)brokerBytes / tally.Messages,
            harnessCpu.TotalMicroseconds / tally.Messages,
            0,
            0);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label}: {result.MessagesPerSecond:N0} msg/s, broker {result.BrokerCpuPerMessage:F1} µs/msg, {result.BrokerBytesPerMessage:F0} B/msg written, {result.Delivered:N0} delivered, {result.CompleteReceivers} of {tally.Receivers} receivers complete, load {LoadAverage()}"));
        return result;
    }

    private static void Print(List<Comparison> results, int window, TimeSpan took)
    {
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Bridge vs broker fan-out: {PayloadSize}-byte payloads, QoS 1 window {window}, {Environment.ProcessorCount} cores, .NET {Environment.Version}, took {took.TotalSeconds:F0} s, load average at end {LoadAverage()}"));
        foreach (var qos in results.Select(static r => r.Qos).Distinct())
        {
            Console.WriteLine();
            Console.WriteLine($"QoS {qos}:");
            Console.WriteLine();
            Console.WriteLine("| receivers | messages | GridCast msg/s | broker fan-out msg/s | broker CPU µs/msg (GridCast) | broker CPU µs/msg (fan-out) | broker bytes written/msg (GridCast) | broker bytes written/msg (fan-out) | sender copies per msg (bridge datagrams vs broker deliveries) | delivered (GridCast / fan-out) | harness CPU µs/msg (GridCast / fan-out) |");
            Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var r in results.Where(r => r.Qos == qos))
            {
                var expected = (double)r.Receivers * r.Messages;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {r.Receivers} | {r.Messages} | {r.GridCast.MessagesPerSecond:N0} | {r.Fanout.MessagesPerSecond:N0} | {r.GridCast.BrokerCpuPerMessage:F1} | {r.Fanout.BrokerCpuPerMessage:F1} | {r.GridCast.BrokerBytesPerMessage:F0} | {r.Fanout.BrokerBytesPerMessage:F0} | {r.GridCast.SenderCopies:F2} vs {r.Fanout.SenderCopies:F0} | {100 * r.GridCast.Delivered / expected:F1} % / {100 * r.Fanout.Delivered / expected:F1} % | {r.GridCast.HarnessCpuPerMessage:F0} / {r.Fanout.HarnessCpuPerMessage:F0} |"));
            }
        }
    }

    /// <summary>
    /// Names a stage on stderr and runs it with <see cref="ConnectTimeout"/>; a stage that does
    /// not finish in time fails the run with a message naming it, instead of hanging.
    /// </summary>
    private static async Task<T> StageAsync<T>(string label, string stage, Func<CancellationToken, Task<T>> run)
    {
        Console.Error.WriteLine($"{label}: {stage} [{Since()}]");
        using var timeout = new CancellationTokenSource(ConnectTimeout);
        try
        {
            return await run(timeout.Token);
        }
        catch (Exception e) when (timeout.IsCancellationRequested)
        {
            // Whatever the client threw for the abort (cancelled, timed out): the stage is the news.
            throw new TimeoutException($"{label}: {stage} did not finish within {ConnectTimeout.TotalSeconds:F0} s [{Since()}]", e);
        }
    }

    private static string Since() => string.Create(CultureInfo.InvariantCulture, $"{Clock.Elapsed.TotalSeconds:F1} s");

    private static int[] ParseList(string value)
        => [.. value.Split(',').Select(static v => int.Parse(v, CultureInfo.InvariantCulture))];

    private static string LoadAverage()
        => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private static int FreeUdpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Any, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private sealed record PathResult(
        bool Complete,
        long Delivered,
        int CompleteReceivers,
        double MessagesPerSecond,
        double BrokerCpuPerMessage,
        double BrokerBytesPerMessage,
        double HarnessCpuPerMessage,
        double SenderCopies,
        double SenderBytes);

    private sealed record Comparison(int Qos, int Receivers, int Messages, PathResult GridCast, PathResult Fanout);
}
