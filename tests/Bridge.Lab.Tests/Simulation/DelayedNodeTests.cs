using Bridge.Lab.Simulation;
using Bridge.Multicast.Naming;
using Bridge.Simulation;
using Bridge.Simulation.Nodes;

namespace Bridge.Lab.Tests.Simulation;

public sealed class DelayedNodeTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);
    private static readonly GroupName Group = GroupName.Parse("ham:sg:lab.test");

    [Fact]
    public void Publish_SenderEgressAndReceiverIngressDelayed_ArrivesAfterBothPlusTheDomain()
    {
        var sim = new Simulator(1);
        var domain = sim.AddDomain("lan", new LinkConditions { Delay = Ms });
        var source = new SourceNode(domain, 7, Group, 1000);
        var seen = new List<SimTransmit>();
        var sourceId = sim.AddNode("source", new DelayedNode(source, () => sim.Now, 2 * Ms, TimeSpan.Zero, seen.Add));
        var receiver = new HostNode(domain, 8);
        var receiverId = sim.AddNode("receiver", new DelayedNode(receiver, () => sim.Now, TimeSpan.Zero, 3 * Ms));
        sim.Attach(domain, sourceId);
        sim.Attach(domain, receiverId);

        sim.Schedule(10 * Ms, sourceId, "publish", now => source.Publish(now, 1));
        sim.Schedule(10 * Ms, sourceId, "publish", now => source.Publish(now, 2));
        sim.DriveToIdle();

        Assert.Equal([(16 * Ms, 7UL, 1UL), (16 * Ms, 7UL, 2UL)], receiver.Deliveries);
        Assert.Equal(2, seen.Count);
        Assert.All(seen, t => Assert.Equal(domain, t.Domain));
        Assert.Equal(source.FrameBytes, seen[0].Datagram.Length);
    }

    [Fact]
    public void Publish_NoDelays_PassesStraightThrough()
    {
        var sim = new Simulator(1);
        var domain = sim.AddDomain("lan", LinkConditions.Perfect);
        var source = new SourceNode(domain, 7, Group, 16);
        var sourceId = sim.AddNode("source", new DelayedNode(source, () => sim.Now, TimeSpan.Zero, TimeSpan.Zero));
        var receiver = new HostNode(domain, 8);
        var receiverId = sim.AddNode("receiver", new DelayedNode(receiver, () => sim.Now, TimeSpan.Zero, TimeSpan.Zero));
        sim.Attach(domain, sourceId);
        sim.Attach(domain, receiverId);

        sim.Schedule(5 * Ms, sourceId, "publish", now => source.Publish(now, 1));
        sim.DriveToIdle();

        Assert.Equal([(5 * Ms, 7UL, 1UL)], receiver.Deliveries);
    }

    [Fact]
    public void Create_NegativeDelay_IsRefused()
    {
        var sim = new Simulator(1);
        var domain = sim.AddDomain("lan", LinkConditions.Perfect);

        Assert.Throws<ArgumentOutOfRangeException>(() => new DelayedNode(new HostNode(domain, 1), () => sim.Now, -Ms, TimeSpan.Zero));
    }
}
