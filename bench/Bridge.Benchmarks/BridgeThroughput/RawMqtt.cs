using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Bridge.Benchmarks.BridgeThroughput;

/// <summary>
/// A publisher and a counting subscriber that speak MQTT 3.1.1 straight over a TCP socket, so
/// that neither is the slow end of a throughput run: the publisher writes its PUBLISH packets
/// prebuilt, many per <c>send</c>, and at QoS 1 keeps a window of them unacknowledged; the
/// subscriber parses only the fixed headers and counts. One process each, as the broker and
/// the bridge are, so each process's CPU can be read apart.
/// </summary>
/// <remarks>
/// <c>mqtt-pub --port P --topic T --count N [--size 100] [--qos 0] [--rate R] [--window 20]</c>:
/// R messages per second (paced in 1 ms slices; 0, the default, flat out). Prints one line:
/// messages, seconds, msg/s.<br/>
/// <c>mqtt-count --port P --filter F --count N [--qos 0] [--timeout 60]</c>: subscribes, writes
/// "ready" on stderr, counts PUBLISH packets and prints messages, seconds from the first to the
/// last, msg/s; exits 1 when fewer came before the timeout (counted since the last message).
/// </remarks>
public static class RawMqtt
{
    public static async Task<int> PublishAsync(string[] args)
    {
        var port = int.Parse(Arg(args, "--port", null), CultureInfo.InvariantCulture);
        var topic = Arg(args, "--topic", "bench/x");
        var count = long.Parse(Arg(args, "--count", "100000"), CultureInfo.InvariantCulture);
        var size = int.Parse(Arg(args, "--size", "100"), CultureInfo.InvariantCulture);
        var qos = int.Parse(Arg(args, "--qos", "0"), CultureInfo.InvariantCulture);
        var rate = double.Parse(Arg(args, "--rate", "0"), CultureInfo.InvariantCulture);
        var window = int.Parse(Arg(args, "--window", "20"), CultureInfo.InvariantCulture);
        using var socket = await ConnectAsync(port, "bench-pub-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        var payload = new byte[size];
        for (var i = 0; i < size; i++)
        {
            payload[i] = (byte)('a' + (i % 26));
        }

        var packet = Publish(topic, payload, qos);
        var idOffset = 2 + 2 + Encoding.UTF8.GetByteCount(topic) + (packet.Length > 129 ? 1 : 0);
        using var acks = new SemaphoreSlim(window, window);
        var reader = qos == 1 ? Task.Run(() => ReadAcks(socket, acks)) : Task.CompletedTask;
        var batch = new byte[Math.Max(64 * 1024 / packet.Length, 1) * packet.Length];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"first send at {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0:F3}"));
        var clock = Stopwatch.StartNew();
        long sent = 0;
        ushort id = 0;
        while (sent < count)
        {
            // Paced: as many as are due by now, in one write.
            var due = rate > 0 ? Math.Min(count, (long)(clock.Elapsed.TotalSeconds * rate) + 1) : count;
            if (due <= sent)
            {
                Thread.Sleep(1);
                continue;
            }

            var n = (int)Math.Min(due - sent, batch.Length / packet.Length);
            if (qos == 1)
            {
                n = Math.Min(n, window);
                for (var i = 0; i < n; i++)
                {
                    await acks.WaitAsync();
                }
            }

            for (var i = 0; i < n; i++)
            {
                var at = batch.AsSpan(i * packet.Length, packet.Length);
                packet.CopyTo(at);
                if (qos == 1)
                {
                    id = (ushort)(id == ushort.MaxValue ? 1 : id + 1);
                    BinaryPrimitives.WriteUInt16BigEndian(at[idOffset..], id);
                }
            }

            await socket.SendAsync(batch.AsMemory(0, n * packet.Length));
            sent += n;
        }

        if (qos == 1)
        {
            for (var i = 0; i < window; i++)
            {
                await acks.WaitAsync();
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"published {sent} in {seconds:F3} s: {sent / seconds:F0} msg/s"));
        socket.Send([0xE0, 0x00]);
        socket.Shutdown(SocketShutdown.Both);
        _ = reader;
        return 0;
    }

    public static async Task<int> CountAsync(string[] args)
    {
        var port = int.Parse(Arg(args, "--port", null), CultureInfo.InvariantCulture);
        var filter = Arg(args, "--filter", "bench/#");
        var count = long.Parse(Arg(args, "--count", "100000"), CultureInfo.InvariantCulture);
        var qos = int.Parse(Arg(args, "--qos", "0"), CultureInfo.InvariantCulture);
        var timeout = TimeSpan.FromSeconds(double.Parse(Arg(args, "--timeout", "60"), CultureInfo.InvariantCulture));
        using var socket = await ConnectAsync(port, "bench-count-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        var filterBytes = Encoding.UTF8.GetBytes(filter);
        var subscribe = new byte[2 + 2 + 2 + filterBytes.Length + 1];
        subscribe[0] = 0x82;
        subscribe[1] = (byte)(subscribe.Length - 2);
        BinaryPrimitives.WriteUInt16BigEndian(subscribe.AsSpan(2), 1);
        BinaryPrimitives.WriteUInt16BigEndian(subscribe.AsSpan(4), (ushort)filterBytes.Length);
        filterBytes.CopyTo(subscribe, 6);
        subscribe[^1] = (byte)qos;
        socket.Send(subscribe);
        var buffer = new byte[1 << 20];
        var filled = 0;
        long received = 0;
        var started = false;
        var ready = false;
        var clock = new Stopwatch();
        var quiet = Stopwatch.StartNew();
        var acks = new List<byte>();
        using var gone = new CancellationTokenSource();
        while (received < count)
        {
            if (quiet.Elapsed > timeout)
            {
                Console.WriteLine($"timed out with {received} of {count}");
                return 1;
            }

            gone.CancelAfter(timeout - quiet.Elapsed);
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer.AsMemory(filled), gone.Token);
            }
            catch (OperationCanceledException)
            {
                continue;
            }

            if (read == 0)
            {
                Console.WriteLine($"the broker closed the connection after {received} of {count}");
                return 1;
            }

            quiet.Restart();
            filled += read;
            var at = 0;
            acks.Clear();
            while (TryPacket(buffer.AsSpan(at, filled - at), out var type, out var headerLength, out var bodyLength))
            {
                var body = buffer.AsSpan(at + headerLength, bodyLength);
                if (type == 3)
                {
                    if (!started)
                    {
                        started = true;
                        clock.Start();
                    }

                    received++;
                    if (((buffer[at] >> 1) & 3) == 1)
                    {
                        var topicLength = BinaryPrimitives.ReadUInt16BigEndian(body);
                        acks.AddRange([0x40, 0x02, body[2 + topicLength], body[3 + topicLength]]);
                    }
                }
                else if (type == 9 && !ready)
                {
                    ready = true;
                    await Console.Error.WriteLineAsync("ready");
                }

                at += headerLength + bodyLength;
            }

            if (acks.Count > 0)
            {
                await socket.SendAsync(acks.ToArray());
            }

            buffer.AsSpan(at, filled - at).CopyTo(buffer);
            filled -= at;
        }

        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"received {received} in {seconds:F3} s: {received / seconds:F0} msg/s"));
        return 0;
    }

    private static async Task<Socket> ConnectAsync(int port, string clientId)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync("127.0.0.1", port);
        var id = Encoding.UTF8.GetBytes(clientId);
        var body = new List<byte> { 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 0x02, 0, 60, 0, (byte)id.Length };
        body.AddRange(id);
        socket.Send([0x10, (byte)body.Count, .. body]);
        var connack = new byte[4];
        var got = 0;
        while (got < 4)
        {
            got += await socket.ReceiveAsync(connack.AsMemory(got));
        }

        if (connack[0] != 0x20 || connack[3] != 0)
        {
            throw new InvalidOperationException($"the broker refused the connection (CONNACK {Convert.ToHexString(connack)})");
        }

        return socket;
    }

    private static byte[] Publish(string topic, byte[] payload, int qos)
    {
        var topicBytes = Encoding.UTF8.GetBytes(topic);
        var remaining = 2 + topicBytes.Length + (qos > 0 ? 2 : 0) + payload.Length;
        var header = new List<byte> { (byte)(0x30 | (qos << 1)) };
        var value = remaining;
        do
        {
            var digit = (byte)(value % 128);
            value /= 128;
            header.Add(value > 0 ? (byte)(digit | 0x80) : digit);
        }
        while (value > 0);
        var packet = new byte[header.Count + remaining];
        header.CopyTo(packet);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(header.Count), (ushort)topicBytes.Length);
        topicBytes.CopyTo(packet, header.Count + 2);
        payload.CopyTo(packet, header.Count + 2 + topicBytes.Length + (qos > 0 ? 2 : 0));
        return packet;
    }

    private static void ReadAcks(Socket socket, SemaphoreSlim acks)
    {
        var buffer = new byte[64 * 1024];
        var filled = 0;
        while (true)
        {
            int read;
            try
            {
                read = socket.Receive(buffer, filled, buffer.Length - filled, SocketFlags.None);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return;
            }

            if (read == 0)
            {
                return;
            }

            filled += read;
            var at = 0;
            while (TryPacket(buffer.AsSpan(at, filled - at), out var type, out var headerLength, out var bodyLength))
            {
                if (type == 4)
                {
                    acks.Release();
                }

                at += headerLength + bodyLength;
            }

            buffer.AsSpan(at, filled - at).CopyTo(buffer);
            filled -= at;
        }
    }

    private static bool TryPacket(ReadOnlySpan<byte> data, out int type, out int headerLength, out int bodyLength)
    {
        type = headerLength = bodyLength = 0;
        if (data.Length < 2)
        {
            return false;
        }

        var multiplier = 1;
        var at = 1;
        while (true)
        {
            if (at >= data.Length)
            {
                return false;
            }

            var digit = data[at++];
            bodyLength += (digit & 0x7F) * multiplier;
            multiplier *= 128;
            if ((digit & 0x80) == 0)
            {
                break;
            }
        }

        if (data.Length < at + bodyLength)
        {
            return false;
        }

        type = data[0] >> 4;
        headerLength = at;
        return true;
    }

    private static string Arg(string[] args, string name, string? fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback ?? throw new ArgumentException($"{name} is required");
    }
}
