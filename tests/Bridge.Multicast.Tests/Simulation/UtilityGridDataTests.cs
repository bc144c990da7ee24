using Bridge.Simulation;
using Bridge.Simulation.Scenarios;
using Xunit.Abstractions;

namespace Bridge.Multicast.Tests.Simulation;

/// <summary>
/// The forward direction of Figure 1 on <see cref="UtilityGrid"/>: a tariff published by the
/// head-end reaches every device through the real gateways (control centre, providers, leaves).
/// </summary>
public sealed class UtilityGridDataTests(ITestOutputHelper output)
{
    [Fact]
    public void Publish_MillionDevicesUnderThousandGateways_EveryDeviceGetsEachTariffOnce()
    {
        const int Tariffs = 3;
        Simulator.Run(SimulationSeed.Seeds(1, first: 1100), sim =>
        {
            var grid = new UtilityGrid(sim, new UtilityGridShape());
            Assert.Equal(1000, grid.Gateways.Count);
            Assert.Equal(1_000_000, grid.Devices);
            var settled = grid.Settle();

            for (var k = 1; k <= Tariffs; k++)
            {
                grid.Publish(BitConverter.GetBytes(k));
            }

            sim.DriveFor(TimeSpan.FromSeconds(1));

            foreach (var domain in grid.Domains.Where(d => d.Swarm is not null))
            {
                for (var k = 1; k <= Tariffs; k++)
                {
                    Assert.Equal(1, domain.Swarm!.TimesReceived(grid.HeadEnd.SourceId, (ulong)k));
                }
            }

            var deliveries = grid.Domains.Sum(d => d.Swarm?.DeviceDeliveries ?? 0);
            Assert.Equal(Tariffs * grid.Devices, deliveries);
            Assert.All(grid.Gateways, g => Assert.Equal(0, g.Node.UndecodableOverlayFrames));
            output.WriteLine(
                $"seed {sim.Seed}: {grid.Gateways.Count} gateways, {grid.Links.Count} overlay links, {grid.Devices} devices; settled in {settled.TotalMilliseconds} ms; "
                + $"{deliveries} device deliveries of {Tariffs} tariffs; {sim.Counters.Events} events");
        });
    }
}
