using BenchmarkDotNet.Running;
using Bridge.Benchmarks.BrokerFanout;
using Bridge.Benchmarks.Gateway;
using Bridge.Benchmarks.Throughput;

namespace Bridge.Benchmarks;

/// <summary>
/// Entry point: <c>throughput</c> runs the loopback throughput harness, <c>gateway-latency</c>
/// the gateway chain harness, <c>fanout</c> the bridge against the broker's own fan-out,
/// <c>goose-tunnel</c> frames per second per core through the GOOSE tunnel, <c>reverse-channel</c> the 1,000,000-device aggregation simulation; anything
/// else goes to BenchmarkDotNet's switcher (--filter, --job, ...).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "throughput")
        {
            return await LoopbackThroughput.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == "gateway-latency")
        {
            return await GatewayLatency.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == "goose-link")
        {
            return await Goose.GooseLinkComparison.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == "goose-tunnel")
        {
            return await Goose.GooseTunnelThroughput.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == "mqtt-pub")
        {
            return await BridgeThroughput.RawMqtt.PublishAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == "group-pub")
        {
            return await BridgeThroughput.GroupPublisher.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == "mqtt-count")
        {
            return await BridgeThroughput.RawMqtt.CountAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == "fanout")
        {
            return await BridgeVersusBroker.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == "reverse-channel")
        {
            return await Aggregation.ReverseChannelSimulation.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == "modbus")
        {
            return await Modbus.ModbusServerVersusPymodbus.RunAsync(args[1..]);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
