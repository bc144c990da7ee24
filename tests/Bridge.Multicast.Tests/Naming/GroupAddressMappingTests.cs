using System.Net;
using Bridge.Multicast.Naming;

namespace Bridge.Multicast.Tests.Naming;

/// <summary>
/// <see cref="GroupAddressMapping"/>: the literal mapping of the <c>ip</c> namespace and the hash
/// mapping of the others, pinned by addresses computed independently of this code (Python's
/// hashlib over the same key), so a change of the mapping cannot go unnoticed.
/// </summary>
public sealed class GroupAddressMappingTests
{
    [Theory]
    [InlineData("ham:ip:239.192.0.7:5000", "239.192.0.7:5000")]
    [InlineData("ham:ip:239.1.2.3", "239.1.2.3:5000")]
    [InlineData("ip://224.0.0.251:5353", "224.0.0.251:5353")]
    public void Addresses_IPv4Group_MapsLiterallyToIPv4Only(string text, string endPoint)
    {
        var addresses = GroupName.Parse(text).Addresses;

        Assert.Equal(IPEndPoint.Parse(endPoint), addresses.IPv4);
        Assert.Null(addresses.IPv6);
        Assert.Null(addresses.Source);
        Assert.Equal(addresses.IPv4, addresses.For(System.Net.Sockets.AddressFamily.InterNetwork));
    }

    [Theory]
    [InlineData("ham:ip:[ff15::1]:5000", "[ff15::1]:5000")]
    [InlineData("ham:ip:[FF3E:0:0:0:0:0:8000:1]", "[ff3e::8000:1]:5000")]
    public void Addresses_IPv6Group_MapsLiterallyToIPv6Only(string text, string endPoint)
    {
        var addresses = GroupName.Parse(text).Addresses;

        Assert.Null(addresses.IPv4);
        Assert.Equal(IPEndPoint.Parse(endPoint), addresses.IPv6);
        Assert.Null(addresses.Source);
        Assert.Equal(addresses.IPv6, addresses.For(System.Net.Sockets.AddressFamily.InterNetworkV6));
    }

    [Theory]
    [InlineData("ham:ip:232.1.2.3@10.0.0.1:5000", "232.1.2.3:5000", null, "10.0.0.1")]
    [InlineData("ip://232.1.2.3@192.0.2.7", "232.1.2.3:5000", null, "192.0.2.7")]
    [InlineData("ham:ip:[ff3e::8000:1]@[2001:db8::7]:6000", null, "[ff3e::8000:1]:6000", "2001:db8::7")]
    public void Addresses_IpNameWithInstantiation_CarriesItAsTheSource(string text, string? ipv4, string? ipv6, string source)
    {
        var addresses = GroupName.Parse(text).Addresses;

        Assert.Equal(ipv4 is null ? null : IPEndPoint.Parse(ipv4), addresses.IPv4);
        Assert.Equal(ipv6 is null ? null : IPEndPoint.Parse(ipv6), addresses.IPv6);
        Assert.Equal(IPAddress.Parse(source), addresses.Source);
    }

    [Fact]
    public void Literal_SourceOfTheOtherFamily_Throws()
    {
        Assert.Throws<ArgumentException>(() => GroupAddressMapping.Literal(IPAddress.Parse("232.1.2.3"), IPAddress.Parse("2001:db8::1"), 5000));
    }

    // Expected values: SHA-256 of the key in Python; IPv4 = 239.192.0.0 | (first 4 bytes & 0x3FFFF),
    // IPv6 = ff18:: with group id 0x80000000 | (next 4 bytes & 0x3FFFFFFF).
    [Theory]
    [InlineData("ham:sg:ami.tariff.rtp", "ham:sg:ami.tariff.rtp", "239.194.11.244", "ff18::86ff:b06d")]
    [InlineData("sg://AMI.Tariff.RTP:6000", "ham:sg:ami.tariff.rtp", "239.194.11.244", "ff18::86ff:b06d")]
    [InlineData("ham:sg:ami.tariff.rtp/hmac;k", "ham:sg:ami.tariff.rtp", "239.194.11.244", "ff18::86ff:b06d")]
    [InlineData("ham:sg:ami.tariff.rtp@substation-12", "ham:sg:ami.tariff.rtp@substation-12", "239.193.220.216", "ff18::ba34:446c")]
    [InlineData("ham:sg:ami.tariff.rtp@[2001:DB8::7]", "ham:sg:ami.tariff.rtp@[2001:db8::7]", "239.192.80.8", "ff18::8707:c4c2")]
    [InlineData("ham:sip:news@cnn.com", "ham:sip:news@cnn.com", "239.194.114.34", "ff18::b5b5:c9ff")]
    [InlineData("ham:opaque:news@cnn.com", "ham:opaque:news@cnn.com", "239.192.163.206", "ff18::895a:55ee")]
    public void Addresses_HashedName_AreTheDocumentedSha256Mapping(string text, string key, string ipv4, string ipv6)
    {
        var name = GroupName.Parse(text);

        Assert.True(name.IsHashMapped);
        Assert.Equal(key, GroupAddressMapping.HashKey(name.Namespace, name.Group, name.Instantiation));
        Assert.Equal(IPAddress.Parse(ipv4), name.Addresses.IPv4!.Address);
        Assert.Equal(IPAddress.Parse(ipv6), name.Addresses.IPv6!.Address);
        Assert.Null(name.Addresses.Source);
    }

    [Theory]
    [InlineData("ham:sg:ami.tariff.rtp", 5000)]
    [InlineData("ham:sg:ami.tariff.rtp:5000", 5000)]
    [InlineData("ham:sg:ami.tariff.rtp:6001", 6001)]
    [InlineData("ham:sg:ami.tariff.rtp:1/alg;v", 1)]
    public void Addresses_HashedNameOnAnyPort_KeepTheAddressAndTakeThePort(string text, int port)
    {
        var addresses = GroupName.Parse(text).Addresses;

        Assert.Equal(new IPEndPoint(IPAddress.Parse("239.194.11.244"), port), addresses.IPv4);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("ff18::86ff:b06d"), port), addresses.IPv6);
    }

    // 2^18 IPv4 addresses make collisions certain in a large deployment; found by search, pinned here.
    [Fact]
    public void Addresses_TwoNamesCollideOnIPv4_AreStillDifferentGroupsOnTheWire()
    {
        var a = GroupName.Parse("ham:sg:feeder.580.meter");
        var b = GroupName.Parse("ham:sg:feeder.640.meter");

        Assert.Equal(IPAddress.Parse("239.195.166.41"), a.Addresses.IPv4!.Address);
        Assert.Equal(a.Addresses.IPv4, b.Addresses.IPv4);
        Assert.NotEqual(a, b);
        Assert.NotEqual(a.WireName, b.WireName);
        Assert.Equal(IPAddress.Parse("ff18::a24f:522f"), a.Addresses.IPv6!.Address);
        Assert.Equal(IPAddress.Parse("ff18::a9e3:bb65"), b.Addresses.IPv6!.Address);
    }

    [Fact]
    public void Scopes_AreOrganisationLocal()
    {
        Assert.Equal(IPNetwork.Parse("239.192.0.0/14"), GroupAddressMapping.IPv4Scope);
        Assert.Equal(IPNetwork.Parse("ff18::8000:0/98"), GroupAddressMapping.IPv6Scope);
        Assert.True(GroupAddressMapping.IPv6Scope.Contains(IPAddress.Parse("ff18::8000:0")));
        Assert.True(GroupAddressMapping.IPv6Scope.Contains(IPAddress.Parse("ff18::bfff:ffff")));
        Assert.False(GroupAddressMapping.IPv6Scope.Contains(IPAddress.Parse("ff18::c000:0")));
        Assert.False(GroupAddressMapping.IPv6Scope.Contains(IPAddress.Parse("ff18::7fff:ffff")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("ham:sg:a")]
    [InlineData("key with spaces and ünïcödé")]
    public void Hashed_AnyKey_FallsInsideBothScopes(string key)
    {
        var addresses = GroupAddressMapping.Hashed(key, 7);

        Assert.True(GroupAddressMapping.IPv4Scope.Contains(addresses.IPv4!.Address), addresses.IPv4.ToString());
        Assert.True(GroupAddressMapping.IPv6Scope.Contains(addresses.IPv6!.Address), addresses.IPv6.ToString());
        Assert.Equal(7, addresses.IPv4.Port);
        Assert.Equal(7, addresses.IPv6.Port);
    }
}
