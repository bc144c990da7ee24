using Bridge.Multicast.Security.Keys;

namespace Bridge.Multicast.Tests.Security.Keys;

/// <summary><see cref="KeyRing"/>: which key a receiver checks with and which a sender uses, against validity and rotation.</summary>
public sealed class KeyRingTests
{
    private const string Group = "ham:sg:dr.events";

    [Theory]
    [InlineData(1u, 5, KeyLookupFailure.None)]
    [InlineData(2u, 25, KeyLookupFailure.None)]
    [InlineData(2u, 5, KeyLookupFailure.KeyNotYetValid)]
    [InlineData(1u, 31, KeyLookupFailure.KeyExpired)]
    [InlineData(7u, 5, KeyLookupFailure.UnknownKey)]
    public void ForReceiving_ByIdAndTime_FindsOrNamesWhy(uint id, int day, KeyLookupFailure expected)
    {
        var ring = TestKeys.SharedRing(Group, TestKeys.Symmetric(1), TestKeys.Symmetric(2, startDay: 20));

        var key = ring.ForReceiving(new KeyId(id), TestKeys.Start.AddDays(day), out var failure);

        Assert.Equal(expected, failure);
        Assert.Equal(expected == KeyLookupFailure.None, key is not null);
    }

    [Theory]
    [InlineData(5, 1u)]
    [InlineData(19, 1u)]
    [InlineData(20, 2u)]
    [InlineData(35, 2u)]
    public void ForSending_CurrentUntilNextBegins(int day, uint expected)
    {
        var ring = TestKeys.SharedRing(Group, TestKeys.Symmetric(1), TestKeys.Symmetric(2, startDay: 20));

        Assert.Equal(new KeyId(expected), ring.ForSending(TestKeys.Start.AddDays(day))!.Id);
    }

    [Fact]
    public void ForSending_NoValidKey_Null()
    {
        var ring = TestKeys.SharedRing(Group, TestKeys.Symmetric(1));

        Assert.Null(ring.ForSending(TestKeys.Start.AddDays(40)));
    }

    [Fact]
    public void ForSending_SignedRing_UsesTheSignerWhosePrivateKeyIsHeld()
    {
        var ring = TestKeys.SignedRing(Group, ("other", TestKeys.Signing(1, withPrivate: false), null), ("me", TestKeys.Signing(2), null));

        Assert.Equal(new KeyId(2), ring.ForSending(TestKeys.Start)!.Id);
        Assert.Equal("me", ring.SignerOf(new KeyId(2)));
    }

    [Fact]
    public void ForSending_SignedRingWithPublicKeysOnly_Null()
    {
        var ring = TestKeys.SignedRing(Group, ("other", TestKeys.Signing(1, withPrivate: false), null));

        Assert.Null(ring.ForSending(TestKeys.Start));
        Assert.False(ring.CanSign);
    }

    [Fact]
    public void Constructor_IdTwiceAcrossSigners_Throws()
    {
        Assert.Throws<ArgumentException>(() =>
            TestKeys.SignedRing(Group, ("a", TestKeys.Signing(1), null), ("b", TestKeys.Signing(1), null)));
    }

    [Fact]
    public void ToString_NeverShowsTheSecret()
    {
        var key = TestKeys.Symmetric(1);

        Assert.DoesNotContain(Convert.ToBase64String(key.Secret.Span), key.ToString(), StringComparison.Ordinal);
    }
}
