using System.Globalization;
using System.Text.Json;
using Bridge.Testing;
using Bridge.Testing.Containers;
using MQTTnet;
using Xunit.Abstractions;

namespace Bridge.Compose.Tests;

/// <summary>
/// compose/demo.yml run for real: Mosquitto, the head-end bridge, three gateways on TLS links over
/// the backbone network, and four device containers in two domains of their own. An ordinary MQTT
/// client publishes a tariff at the head-end's broker; every device must print it, having got it
/// by native multicast inside its domain; then one request from the head-end's network must come
/// back with every device's reading. Needs the engine of scripts/test.sh (scripts/engine.sh) and
/// the images of compose/images/build.sh.
/// </summary>
public sealed class DemoTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Convergence = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan RepublishAfter = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Demo_TariffPublishedThenReadingsRequested_EveryDeviceGetsTheTariffAndTheAggregateIsExact()
    {
        var engine = ContainerEngine.Current ?? throw new MissingPrerequisiteException(
            "the compose demo test needs the Docker engine of scripts/test.sh (GRIDCAST_BROKERS=containers; scripts/engine.sh up, compose/images/build.sh)");
        await using var demo = await ComposeDemo.UpAsync(engine, output);
        try
        {
            await RunAsync(engine, demo);
        }
        catch (Exception e) when (e is not MissingPrerequisiteException)
        {
            output.WriteLine(await demo.AllLogsAsync());
            throw;
        }
    }

    private async Task RunAsync(ContainerEngine engine, ComposeDemo demo)
    {
        // The gateways alone join two networks; everything else sits in one domain.
        foreach (var gateway in ComposeDemo.Gateways)
        {
            Assert.Equal(2, (await demo.NetworksOfAsync(gateway)).Count);
        }

        foreach (var device in ComposeDemo.Readings.Keys)
        {
            Assert.Single(await demo.NetworksOfAsync(device));
            var log = demo.DeviceLogs[device];
            await log.WaitForLineAsync(l => l.StartsWith("subscribed to " + ComposeDemo.TariffGroup, StringComparison.Ordinal), Patience);
            await log.WaitForLineAsync(l => l.StartsWith("responding to " + ComposeDemo.ReadingsGroup, StringComparison.Ordinal), Patience);
        }

        // The gateways need a moment for their links and trees: requests are asked until one has
        // every device in it, so that the test's own tariff and request find the overlay up.
        var warming = System.Diagnostics.Stopwatch.StartNew();
        var asked = 0;
        while (true)
        {
            var result = await demo.RequestReadingsAsync("2s");
            asked++;
            if (result.GetProperty("count").GetUInt64() == (ulong)ComposeDemo.Readings.Count)
            {
                break;
            }

            Assert.True(warming.Elapsed < Convergence, $"after {asked} requests in {warming.Elapsed.TotalSeconds:F0} s none had every device; the last: {result}");
        }

        output.WriteLine($"overlay up: {asked} request(s), {warming.Elapsed.TotalSeconds:F1} s");

        // The tariff, from an ordinary MQTT client at the broker's published port (inside the
        // engine's namespace, reached through a forwarder).
        await using var brokerPort = NamespaceTcpForwarder.Start(engine, 1883);
        using var headEnd = await MqttTestClient.ConnectAsync(brokerPort.Port, "head-end");
        var tariff = await PublishUntilEveryDeviceHasItAsync(demo, headEnd);
        output.WriteLine($"every device printed {tariff}");

        // One request: every device's reading, once.
        var answer = await demo.RequestReadingsAsync("3s");
        output.WriteLine($"request: {answer}");
        Assert.Equal((ulong)ComposeDemo.Readings.Count, answer.GetProperty("count").GetUInt64());
        Assert.Equal(ComposeDemo.Readings.Values.Sum(), answer.GetProperty("sum").GetDouble());
        Assert.Equal(ComposeDemo.Readings.Values.Average(), answer.GetProperty("mean").GetDouble());
        Assert.Equal(0U, answer.GetProperty("missingSubtrees").GetUInt32());
        // North's and south's replies stay in their domains; their gateways' partials cross.
        Assert.True(answer.GetProperty("partialsReceived").GetUInt32() >= 1, answer.ToString());
    }

    /// <summary>
    /// Publishes numbered tariffs until one of them is printed by every device, and returns it. The
    /// first is expected to do; a later one is only needed if a gateway learned of a group's
    /// receivers after the warm-up's request (each device must still get one whole tariff).
    /// </summary>
    private async Task<string> PublishUntilEveryDeviceHasItAsync(ComposeDemo demo, IMqttClient headEnd)
    {
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        for (var n = 1; ; n++)
        {
            var tariff = string.Create(CultureInfo.InvariantCulture, $"{{\"price_eur_per_kwh\": 0.21, \"update\": {n}}}");
            await headEnd.PublishAsync(MqttTestClient.Message("headend/tariff/rtp", tariff));
            var waits = demo.DeviceLogs.Values.Select(log => log.WaitForLineAsync(line => Carries(line, tariff), RepublishAfter)).ToList();
            try
            {
                await Task.WhenAll(waits);
                if (n > 1)
                {
                    output.WriteLine($"tariff update {n} was the first every device printed");
                }

                return tariff;
            }
            catch (TimeoutException) when (deadline.Elapsed < Patience)
            {
                // Some device did not print this one: the next update goes out.
            }
        }
    }

    /// <summary>Whether <paramref name="line"/> is <c>gridcast sub --json</c>'s line for a message of the tariff group with <paramref name="payload"/>.</summary>
    private static bool Carries(string line, string payload)
    {
        if (!line.StartsWith('{'))
        {
            return false;
        }

        using var message = JsonDocument.Parse(line);
        return message.RootElement.GetProperty("group").GetString() == ComposeDemo.TariffGroup
            && message.RootElement.GetProperty("payload").GetString() == payload;
    }
}
