namespace Bridge.Adapters.Modbus.Tests.Support;

/// <summary>Waits for a condition that another thread makes true (a counter, a state), with a deadline.</summary>
internal static class Eventually
{
    private static readonly TimeSpan DefaultWithin = TimeSpan.FromSeconds(30);

    public static async Task TrueAsync(Func<bool> condition, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? DefaultWithin);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"still not true after {(within ?? DefaultWithin).TotalSeconds} s: {what}");
            }

            await Task.Delay(10);
        }
    }
}
