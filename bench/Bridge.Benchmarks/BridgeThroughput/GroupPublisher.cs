using System.Diagnostics;
using System.Globalization;
using Bridge.Multicast;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports.Ip;
using Bridge.Multicast.Wire;

namespace Bridge.Benchmarks.BridgeThroughput;

/// <summary>
/// <c>group-pub --group G --count N [--size 100] [--rate R]</c>: sends N messages of the given
/// size to a group on the loopback interface through one <see cref="MulticastSocket"/>, R per
/// second (paced in 1 ms slices; 0 flat out), and prints how long it took: the group side of a
/// from-group throughput run.
/// </summary>
public static class GroupPublisher
{
    public static async Task<int> RunAsync(string[] args)
    {
        var group = GroupName.Parse(Arg(args, "--group", null));
        var count = long.Parse(Arg(args, "--count", "100000"), CultureInfo.InvariantCulture);
        var size = int.Parse(Arg(args, "--size", "100"), CultureInfo.InvariantCulture);
        var rate = double.Parse(Arg(args, "--rate", "0"), CultureInfo.InvariantCulture);
        await using var socket = MulticastSocket.Create([new IpInterface(MulticastInterface.Loopback())]);
        var payload = new byte[size];
        Array.Fill(payload, (byte)'g');
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"first send at {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0:F3}"));
        var clock = Stopwatch.StartNew();
        long sent = 0;
        while (sent < count)
        {
            var due = rate > 0 ? Math.Min(count, (long)(clock.Elapsed.TotalSeconds * rate) + 1) : count;
            if (due <= sent)
            {
                Thread.Sleep(1);
                continue;
            }

            for (; sent < due; sent++)
            {
                await socket.SendAsync(group, payload, ContentType.Raw);
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sent {sent} in {seconds:F3} s: {sent / seconds:F0} msg/s"));
        return 0;
    }

    private static string Arg(string[] args, string name, string? fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback ?? throw new ArgumentException($"{name} is required");
    }
}
