using System.CommandLine;
using System.Text;
using Bridge.Multicast.Endpoint.Reliability;
using Bridge.Host.Cli;
using Bridge.Host.Security;
using Bridge.Multicast;
using Bridge.Multicast.Transports.Ip;
using Bridge.Multicast.Wire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bridge.Host.Tools;

/// <summary><c>gridcast pub GROUP TEXT</c>: sends text to a group, in the spirit of mosquitto_pub.</summary>
internal static class PubCommand
{
    public static Command Create()
    {
        var @interface = CommonOptions.Interface();
        var group = CommonOptions.Group(carriedOn: @interface);
        var text = new Argument<string>("TEXT") { Description = "Payload, sent as UTF-8 text" };
        var repeat = CommonOptions.WholeNumber("--repeat", "Send the message K times, with sequence numbers 1..K", "K", defaultValue: 1, min: 1);
        repeat.Aliases.Add("-r");
        var interval = CommonOptions.Milliseconds("--interval", "Milliseconds between repeated sends", defaultValue: 0);
        var ttl = CommonOptions.WholeNumber("--ttl", "IP TTL of the datagrams, 0 to 255 (1 stays on the link)", "T", defaultValue: 1, min: 0, max: 255);
        var noLoopback = new Option<bool>("--no-loopback")
        {
            Description = "Keep receivers on this host from hearing the message (IP_MULTICAST_LOOP off; the loopback interface delivers regardless)",
        };
        var keys = KeyFiles.Option();
        var verbose = CommonOptions.Verbose();
        var reliable = new Option<bool>("--reliable")
        {
            Description = "Send as a reliable group: keep a repair cache and answer NACKs (docs/reliability.md)",
        };
        var linger = CommonOptions.Milliseconds("--linger", "With --reliable, milliseconds to keep answering NACKs after the last send", defaultValue: 3000);
        var cacheBytes = CommonOptions.WholeNumber("--cache-bytes", "With --reliable, the repair cache's bound in bytes", "B", defaultValue: 4 << 20, min: 0);
        var command = new Command("pub", "Send a text message to a group") { group, text, repeat, interval, ttl, noLoopback, keys, @interface, verbose, reliable, linger, cacheBytes };
        command.SetAction(async (result, cancellationToken) =>
        {
            var name = result.GetRequiredValue(group);
            var count = result.GetValue(repeat);
            var pause = TimeSpan.FromMilliseconds(result.GetValue(interval));
            var multicastInterface = CommonOptions.InterfaceOrLoopback(result, @interface);
            var (store, keyErrors) = KeyFiles.Load(result.GetValue(keys) ?? []);
            if (store is null)
            {
                foreach (var error in keyErrors)
                {
                    await Console.Error.WriteLineAsync(error);
                }

                return GridcastCommand.UsageError;
            }

            using var host = CliHost.Build(result.GetValue(verbose));
            var time = host.Services.GetRequiredService<TimeProvider>();
            await using var socket = MulticastSocket.Create(
                multicastInterface,
                new MulticastSocketOptions(),
                host.Services.GetRequiredService<ILogger<MulticastSocket>>(),
                time,
                new IpMulticastOptions { TimeToLive = result.GetValue(ttl), Loopback = !result.GetValue(noLoopback) });
            if (result.GetValue(reliable))
            {
                socket.MakeReliable(name, new ReliableGroupOptions { CacheMaxBytes = result.GetValue(cacheBytes) });
            }

            var keyPaths = result.GetValue(keys) ?? [];
            var protection = keyPaths.Length > 0 ? KeyFiles.Protect(socket, store, [name]).GetValueOrDefault(name) : null;
            if (keyPaths.Length > 0 && protection is null)
            {
                await Console.Error.WriteLineAsync($"gridcast: no key file given holds a key ring for {name.WireName}");
                return GridcastCommand.UsageError;
            }

            // A key file replaced while repeating is read again before the next send (a rotation
            // mid-stream); one that does not read keeps the keys in use.
            var written = keyPaths.Select(File.GetLastWriteTimeUtc).ToArray();

            var payload = Encoding.UTF8.GetBytes(result.GetRequiredValue(text));
            for (var i = 0; i < count; i++)
            {
                if (i > 0 && pause > TimeSpan.Zero)
                {
                    await Task.Delay(pause, time, cancellationToken);
                }

                if (protection is not null && !keyPaths.Select(File.GetLastWriteTimeUtc).SequenceEqual(written))
                {
                    written = [.. keyPaths.Select(File.GetLastWriteTimeUtc)];
                    var (reloaded, reloadErrors) = KeyFiles.Load(keyPaths);
                    if (reloaded?.ForGroup(name.WireName) is { } ring && ring.Algorithm == protection.Ring.Algorithm)
                    {
                        protection.UpdateKeys(ring);
                        await Console.Error.WriteLineAsync($"reloaded keys for {name.WireName}");
                    }
                    else
                    {
                        await Console.Error.WriteLineAsync($"gridcast: kept the keys in use: {string.Join("; ", reloadErrors.DefaultIfEmpty($"no usable ring for {name.WireName}"))}");
                    }
                }

                try
                {
                    await socket.SendAsync(name, payload, ContentType.Raw, cancellationToken);
                }
                catch (InvalidOperationException e)
                {
                    // A secured group with no key valid now: nothing was sent.
                    await Console.Error.WriteLineAsync($"gridcast: {e.Message}");
                    return GridcastCommand.Failed;
                }
            }

            await Console.Error.WriteLineAsync($"sent {count} message(s) to {name} on {multicastInterface.Name} as source {SubMessage.FormatSource(socket.SourceId)}");
            if (result.GetValue(reliable))
            {
                // Receivers NACK what they missed for a while after the last message; stay to repair it.
                await Task.Delay(TimeSpan.FromMilliseconds(result.GetValue(linger)), time, cancellationToken);
                var r = socket.Reliability;
                await Console.Error.WriteLineAsync($"repairs: {r.NacksHeard} NACK(s) heard, {r.RepairsSent} message(s) repaired ({r.RepairFramesMulticast} frame(s) to the group, {r.RepairFramesUnicast} to one receiver), {r.Confirmed} confirmed, {r.Unavailable} unavailable");
            }
            return GridcastCommand.Ok;
        });
        return command;
    }
}
