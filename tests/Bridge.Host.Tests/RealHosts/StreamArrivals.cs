using System.Diagnostics;
using System.Text.Json;
using Bridge.Testing;
using Bridge.Testing.Namespaces;

namespace Bridge.Host.Tests.RealHosts;

/// <summary>
/// One line of <c>gridcast sub --json</c>: sent by the publisher at <see cref="SentAt"/>, taken
/// from its socket by sub at <see cref="ReceivedAt"/>, read by the test at <see cref="ReadAt"/>,
/// all on the machine's one wall clock.
/// </summary>
internal sealed record SubMessage(string Source, ulong Sequence, string Payload, DateTimeOffset SentAt, DateTimeOffset ReceivedAt)
{
    public DateTimeOffset ReadAt { get; init; }

    public static SubMessage? TryParse(string line)
    {
        if (!line.StartsWith('{'))
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            return new SubMessage(
                root.GetProperty("source").GetString()!,
                root.GetProperty("sequence").GetUInt64(),
                root.GetProperty("payload").GetString()!,
                root.GetProperty("sentAt").GetDateTimeOffset(),
                root.GetProperty("receivedAt").GetDateTimeOffset());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}

/// <summary>
/// When each line of a process was read, on the test's clock and the wall clock: a line matcher
/// that never matches sees every line as it arrives, so the times are those of reading, not of
/// polling.
/// </summary>
internal sealed class ArrivalLog
{
    private readonly List<(TimeSpan At, DateTimeOffset ReadAt, string Line)> _lines = [];

    /// <summary>Starts recording; call it right after starting <paramref name="process"/>, before it prints.</summary>
    public ArrivalLog(ExternalProcess process, Stopwatch clock)
    {
        var watching = process.WaitForLineAsync(
            line =>
            {
                lock (_lines)
                {
                    _lines.Add((clock.Elapsed, DateTimeOffset.UtcNow, line));
                }

                return false;
            },
            TimeSpan.FromMinutes(10));
        // It ends only with the process, by throwing that the line never came.
        _ = watching.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
    }

    /// <summary>The lines so far, with their arrival times, in arrival order.</summary>
    public List<(TimeSpan At, string Line)> Lines()
    {
        lock (_lines)
        {
            return [.. _lines.Select(l => (l.At, l.Line))];
        }
    }

    /// <summary>The JSON messages so far, with their arrival times, in arrival order.</summary>
    public List<(TimeSpan At, SubMessage Message)> Messages()
    {
        lock (_lines)
        {
            return [.. _lines.Select(l => (l.At, Message: SubMessage.TryParse(l.Line) is { } m ? m with { ReadAt = l.ReadAt } : null))
                .Where(l => l.Message is not null).Select(l => (l.At, l.Message!))];
        }
    }
}

/// <summary>Figures of a numbered stream (sequence numbers 1 to its length) as a subscriber received it.</summary>
internal static class StreamFigures
{
    /// <summary>The stream's sequence numbers (1 to <paramref name="length"/>) that never arrived.</summary>
    public static List<ulong> Missing(List<(TimeSpan At, SubMessage Message)> arrivals, int length)
    {
        var seen = arrivals.Select(a => a.Message.Sequence).ToHashSet();
        return [.. Enumerable.Range(1, length).Select(i => (ulong)i).Where(s => !seen.Contains(s))];
    }

    /// <summary>
    /// The longest time between consecutive receptions by sub (its <c>receivedAt</c>, not when
    /// the test read the lines, which a busy test process can delay) with the later one in [from, to].
    /// </summary>
    public static TimeSpan LargestGap(List<(TimeSpan At, SubMessage Message)> arrivals, DateTimeOffset from, DateTimeOffset to)
        => arrivals.Zip(arrivals.Skip(1), (a, b) => (At: b.Message.ReceivedAt, Gap: b.Message.ReceivedAt - a.Message.ReceivedAt))
            .Where(p => p.At >= from && p.At <= to)
            .Select(p => p.Gap)
            .DefaultIfEmpty(TimeSpan.Zero)
            .Max();

    /// <summary>The largest gap between sub's receptions, with the two messages and how far apart the publisher sent them.</summary>
    public static string Describe(List<(TimeSpan At, SubMessage Message)> arrivals)
    {
        var largest = arrivals.Zip(arrivals.Skip(1)).MaxBy(p => p.Second.Message.ReceivedAt - p.First.Message.ReceivedAt);
        if (largest == default)
        {
            return "none";
        }

        var (first, second) = (largest.First.Message, largest.Second.Message);
        return $"{(second.ReceivedAt - first.ReceivedAt).TotalMilliseconds:F0} ms (#{first.Sequence} to #{second.Sequence}, sent {(second.SentAt - first.SentAt).TotalMilliseconds:F0} ms apart)";
    }

    /// <summary>
    /// The longest a stream message took from sending to sub's receiving (the network, the
    /// gateways, sub's socket) and from sub's receiving to the test's reading of its line (sub's
    /// output, the pipe, the test process): a long second one is the test's own delay, not the
    /// system's, and the gap figures do not include it.
    /// </summary>
    public static string Delays(List<(TimeSpan At, SubMessage Message)> arrivals)
    {
        if (arrivals.Count == 0)
        {
            return "none";
        }

        var transit = arrivals.MaxBy(a => a.Message.ReceivedAt - a.Message.SentAt).Message;
        var reading = arrivals.MaxBy(a => a.Message.ReadAt - a.Message.ReceivedAt).Message;
        return $"sent to received at most {(transit.ReceivedAt - transit.SentAt).TotalMilliseconds:F0} ms (#{transit.Sequence}), "
            + $"received to read by the test at most {(reading.ReadAt - reading.ReceivedAt).TotalMilliseconds:F0} ms (#{reading.Sequence})";
    }

    /// <summary>Messages (source, sequence) a subscriber printed more than once.</summary>
    public static List<string> Duplicates(ArrivalLog log)
        => [.. log.Messages().GroupBy(m => (m.Message.Source, m.Message.Sequence)).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key.Source} #{g.Key.Sequence} x{g.Count()}")];

    /// <summary>Sequence numbers as runs: <c>#3-7, #12</c>, or <c>none</c>.</summary>
    public static string Ranges(List<ulong> sequences)
    {
        if (sequences.Count == 0)
        {
            return "none";
        }

        var parts = new List<string>();
        var (start, end) = (sequences[0], sequences[0]);
        foreach (var s in sequences.Skip(1))
        {
            if (s == end + 1)
            {
                end = s;
                continue;
            }

            parts.Add(start == end ? $"#{start}" : $"#{start}-{end}");
            (start, end) = (s, s);
        }

        parts.Add(start == end ? $"#{start}" : $"#{start}-{end}");
        return string.Join(", ", parts);
    }
}

/// <summary><c>gridcast sub --json</c> and <c>gridcast pub</c> on namespace hosts, for a stream across the overlay.</summary>
internal static class StreamSubscribers
{
    /// <summary>Longer than a test runs, so a sub that is never stopped still ends.</summary>
    private const string SubTimeoutSeconds = "150";

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>Starts <c>gridcast sub GROUP --json</c> on <paramref name="host"/>'s domain interface.</summary>
    public static ExternalProcess Start(NamespaceHost host, string group)
        => host.StartGridcast(["sub", group, "--interface", host.Interface, "--timeout", SubTimeoutSeconds, "--json"]);

    /// <summary>Waits until <paramref name="sub"/> has joined its group.</summary>
    public static Task<string> SubscribedAsync(ExternalProcess sub)
        => sub.WaitForLineAsync(l => l.StartsWith("subscribed to ", StringComparison.Ordinal), Patience);

    /// <summary>Whether <paramref name="sub"/> printed a message carrying <paramref name="payload"/>.</summary>
    public static bool HasPayload(ExternalProcess sub, string payload)
        => sub.StandardOutput.Any(l => SubMessage.TryParse(l)?.Payload == payload);

    /// <summary>
    /// The overlay needs a moment (links, elections, flooding, trees): publishes short bursts of
    /// "warmup GROUP" from <paramref name="publisher"/> until every one of <paramref name="subs"/>
    /// has one, each burst bounded and the whole within <paramref name="bound"/>; returns how long
    /// it took and how many bursts. <paramref name="transcripts"/> explains a failure.
    /// </summary>
    public static async Task<(TimeSpan Took, int Bursts)> WarmUpAsync(NamespaceHost publisher, string group, IReadOnlyList<ExternalProcess> subs, TimeSpan bound, Func<string> transcripts)
    {
        var warmup = "warmup " + group;
        var converging = Stopwatch.StartNew();
        var bursts = 0;
        while (!subs.All(s => HasPayload(s, warmup)))
        {
            Assert.True(
                converging.Elapsed < bound,
                $"after {bursts} bursts in {converging.Elapsed.TotalSeconds:F1} s no message from {publisher.Name} reached every subscriber\n{transcripts()}");
            var (code, pub) = await publisher.RunGridcastAsync(Patience, ["pub", group, warmup, "--repeat", "20", "--interval", "10", "--interface", publisher.Interface]);
            await using (pub)
            {
                Assert.True(code == 0, pub.Transcript());
            }

            bursts++;
        }

        return (converging.Elapsed, bursts);
    }
}
