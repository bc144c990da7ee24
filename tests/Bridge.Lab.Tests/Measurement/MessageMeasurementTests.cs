using Bridge.Lab.Measurement;
using Bridge.Lab.Routing;

namespace Bridge.Lab.Tests.Measurement;

public sealed class MessageMeasurementTests
{
    private static Network Line()
    {
        var builder = new NetworkBuilder();
        var a = builder.AddVertex("a");
        var b = builder.AddVertex("b");
        builder.AddLink(a, b, TimeSpan.FromMilliseconds(1), LinkKind.Backbone);
        return builder.Build();
    }

    [Fact]
    public void ToResult_EveryNodeReceived_HoldsDelaysCopiesAndSenderCopies()
    {
        var network = Line();
        var measurement = new MessageMeasurement(network, 2);

        measurement.Transmission(network.Links, bySource: true);
        measurement.Transmission(network.Links);
        measurement.Receive(1, TimeSpan.FromMilliseconds(3));
        measurement.Receive(0, TimeSpan.FromMilliseconds(2));
        var result = measurement.ToResult("x");

        Assert.Equal([TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(3)], result.ReceiverDelays.ToArray());
        Assert.Equal(2, result.LinkStress.CopiesOn(network.Links[0]));
        Assert.Equal(1, result.SenderCopies);
        Assert.True(measurement.Complete);
    }

    [Fact]
    public void Receive_Twice_Throws()
    {
        var measurement = new MessageMeasurement(Line(), 1);
        measurement.Receive(0, TimeSpan.Zero);

        var e = Assert.Throws<InvalidOperationException>(() => measurement.Receive(0, TimeSpan.Zero));

        Assert.Contains("twice", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToResult_NodeMissing_ThrowsNamingIt()
    {
        var measurement = new MessageMeasurement(Line(), 3);
        measurement.Receive(0, TimeSpan.Zero);
        measurement.Receive(2, TimeSpan.Zero);

        var e = Assert.Throws<InvalidOperationException>(() => measurement.ToResult("hybrid-pg"));

        Assert.Contains("group node 1", e.Message, StringComparison.Ordinal);
        Assert.False(measurement.Complete);
    }
}
