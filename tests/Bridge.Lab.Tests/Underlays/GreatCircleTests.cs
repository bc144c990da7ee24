using Bridge.Lab.Underlays;

namespace Bridge.Lab.Tests.Underlays;

public sealed class GreatCircleTests
{
    [Fact]
    public void DistanceKm_OneDegreeAlongAMeridian_IsRadiusTimesPiOver180()
    {
        // 6371 km · π / 180 = 111.195 km.
        Assert.Equal(111.195, GreatCircle.DistanceKm(50, 10, 51, 10), 3);
    }

    [Fact]
    public void DistanceKm_QuarterOfTheEquator_IsRadiusTimesPiOverTwo()
    {
        Assert.Equal(6371 * Math.PI / 2, GreatCircle.DistanceKm(0, 0, 0, 90), 6);
    }

    [Fact]
    public void DistanceKm_SamePoint_IsZeroAndSymmetric()
    {
        Assert.Equal(0, GreatCircle.DistanceKm(52.52, 13.41, 52.52, 13.41));
        Assert.Equal(GreatCircle.DistanceKm(48.14, 11.58, 53.55, 10.0), GreatCircle.DistanceKm(53.55, 10.0, 48.14, 11.58), 9);
    }
}
