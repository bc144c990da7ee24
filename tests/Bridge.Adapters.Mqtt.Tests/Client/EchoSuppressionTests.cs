using Bridge.Adapters.Mqtt.Client;

namespace Bridge.Adapters.Mqtt.Tests.Client;

/// <summary>The MQTT 3.1.1 echo memory, with the clock passed in.</summary>
public sealed class EchoSuppressionTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    [Fact]
    public void TryTakeEcho_SameTopicAndPayloadWithinWindow_TakesItOnce()
    {
        var echoes = new EchoSuppression(Window, capacity: 16);
        echoes.Published("tariffs/north", "0.2841"u8, TimeSpan.Zero);

        Assert.True(echoes.TryTakeEcho("tariffs/north", "0.2841"u8, TimeSpan.FromSeconds(1)));
        Assert.False(echoes.TryTakeEcho("tariffs/north", "0.2841"u8, TimeSpan.FromSeconds(1)));
        Assert.Equal(0, echoes.Count);
    }

    [Theory]
    [InlineData("tariffs/south", "0.2841")]
    [InlineData("tariffs/north", "0.2842")]
    [InlineData("tariffs/north", "")]
    public void TryTakeEcho_OtherTopicOrPayload_IsNoEcho(string topic, string payload)
    {
        var echoes = new EchoSuppression(Window, capacity: 16);
        echoes.Published("tariffs/north", "0.2841"u8, TimeSpan.Zero);

        Assert.False(echoes.TryTakeEcho(topic, System.Text.Encoding.UTF8.GetBytes(payload), TimeSpan.Zero));
        Assert.Equal(1, echoes.Count);
    }

    [Fact]
    public void TryTakeEcho_SamePublishedTwice_TakesTwoCopies()
    {
        var echoes = new EchoSuppression(Window, capacity: 16);
        echoes.Published("tariffs/north", "x"u8, TimeSpan.Zero);
        echoes.Published("tariffs/north", "x"u8, TimeSpan.FromSeconds(1));

        Assert.True(echoes.TryTakeEcho("tariffs/north", "x"u8, TimeSpan.FromSeconds(2)));
        Assert.True(echoes.TryTakeEcho("tariffs/north", "x"u8, TimeSpan.FromSeconds(2)));
        Assert.False(echoes.TryTakeEcho("tariffs/north", "x"u8, TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public void TryTakeEcho_AfterWindow_IsNoEcho()
    {
        var echoes = new EchoSuppression(Window, capacity: 16);
        echoes.Published("tariffs/north", "x"u8, TimeSpan.Zero);

        Assert.False(echoes.TryTakeEcho("tariffs/north", "x"u8, Window));
        Assert.Equal(0, echoes.Count);
    }

    /// <summary>The second copy was taken early; the first copy's expiry must not cut the third's window short.</summary>
    [Fact]
    public void TryTakeEcho_EarlierCopyTakenThenExpired_LaterCopyKeepsItsWindow()
    {
        var echoes = new EchoSuppression(Window, capacity: 16);
        echoes.Published("tariffs/north", "x"u8, TimeSpan.Zero);
        Assert.True(echoes.TryTakeEcho("tariffs/north", "x"u8, TimeSpan.FromSeconds(1)));
        echoes.Published("tariffs/north", "x"u8, TimeSpan.FromSeconds(9));

        Assert.True(echoes.TryTakeEcho("tariffs/north", "x"u8, TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public void Published_BeyondCapacity_ForgetsTheOldest()
    {
        var echoes = new EchoSuppression(Window, capacity: 2);
        echoes.Published("t", "1"u8, TimeSpan.Zero);
        echoes.Published("t", "2"u8, TimeSpan.Zero);
        echoes.Published("t", "3"u8, TimeSpan.Zero);

        Assert.Equal(2, echoes.Count);
        Assert.False(echoes.TryTakeEcho("t", "1"u8, TimeSpan.Zero));
        Assert.True(echoes.TryTakeEcho("t", "2"u8, TimeSpan.Zero));
        Assert.True(echoes.TryTakeEcho("t", "3"u8, TimeSpan.Zero));
    }
}
