namespace Bridge.Lab.Underlays;

/// <summary>Great-circle distance on a spherical earth (haversine formula).</summary>
public static class GreatCircle
{
    /// <summary>The mean earth radius (IUGG), in km; the sphere's error against the ellipsoid stays under 0.5 %.</summary>
    public const double EarthRadiusKm = 6371.0;

    /// <summary>The distance in km between two points given in degrees.</summary>
    public static double DistanceKm(double latitude1, double longitude1, double latitude2, double longitude2)
    {
        var phi1 = double.DegreesToRadians(latitude1);
        var phi2 = double.DegreesToRadians(latitude2);
        var dPhi = phi2 - phi1;
        var dLambda = double.DegreesToRadians(longitude2 - longitude1);
        // Haversine rather than the spherical law of cosines: it stays accurate for the short
        // links (a few km) of a national backbone.
        var h = Math.Pow(Math.Sin(dPhi / 2), 2) + (Math.Cos(phi1) * Math.Cos(phi2) * Math.Pow(Math.Sin(dLambda / 2), 2));
        return 2 * EarthRadiusKm * Math.Asin(Math.Min(1, Math.Sqrt(h)));
    }
}
