using Bridge.Lab.Routing;

namespace Bridge.Lab.Tests.Routing;

public sealed class DelayModelTests
{
    [Theory]
    [InlineData(200, 1.0, 1.0)]
    [InlineData(200, 1.5, 1.5)]
    [InlineData(1000, 1.5, 7.5)]
    [InlineData(50, 1.0, 0.25)]
    public void Propagation_Length_IsKmTimesFactorOver200PerMs(double km, double factor, double expectedMs)
    {
        var model = new DelayModel { RouteFactor = factor };

        Assert.Equal(expectedMs, model.Propagation(km).TotalMilliseconds, 6);
    }

    [Fact]
    public void Propagation_Fraction_RoundsToTheNearestTick()
    {
        // 67.99 km / 200 = 0.33995 ms = 3399.5 ticks, which binary floating point holds as just below .5.
        var delay = new DelayModel { RouteFactor = 1.0 }.Propagation(67.99);

        Assert.InRange(delay.Ticks, 3399, 3400);
    }

    [Fact]
    public void Propagation_ZeroKm_IsOneTick()
    {
        Assert.Equal(TimeSpan.FromTicks(1), DelayModel.Default.Propagation(0));
    }

    [Fact]
    public void Propagation_NegativeKm_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DelayModel.Default.Propagation(-1));
    }

    [Fact]
    public void Propagation_RouteFactorBelowOne_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => new DelayModel { RouteFactor = 0.9 }.Propagation(10));
    }

    [Fact]
    public void Default_IsFactorOneAndAHalfAndTwoMsAccess()
    {
        Assert.Equal(1.5, DelayModel.Default.RouteFactor);
        Assert.Equal(TimeSpan.FromMilliseconds(2), DelayModel.Default.AccessDelay);
    }
}
