using Bridge.Adapters.Amqp.Rules;

namespace Bridge.Adapters.Amqp.Tests.Rules;

/// <summary>Which received routing keys the adapter routes.</summary>
public sealed class RoutingKeysTests
{
    [Theory]
    [InlineData("meters.north.tariff")]
    [InlineData("single")]
    [InlineData("site/7.tariff")]
    [InlineData("a..b")]
    [InlineData("$sys.x")]
    public void IsRoutable_OrdinaryKey_IsRouted(string routingKey)
    {
        Assert.True(RoutingKeys.IsRoutable(routingKey, out var reason), reason);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("meters.+.tariff", "'+' at 7")]
    [InlineData("meters.#", "'#' at 7")]
    [InlineData("meters.\0", "'NUL' at 7")]
    public void IsRoutable_KeyWithWildcardOrNul_IsRefusedNamingTheReason(string routingKey, string because)
    {
        Assert.False(RoutingKeys.IsRoutable(routingKey, out var reason));

        Assert.Contains(because, reason, StringComparison.Ordinal);
    }
}
