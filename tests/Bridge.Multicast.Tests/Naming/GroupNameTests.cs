using System.Net;
using Bridge.Multicast.Naming;

namespace Bridge.Multicast.Tests.Naming;

/// <summary><see cref="GroupName"/>: RFC 7046 names in the <c>ip</c> namespace with IPv4 multicast groups.</summary>
public sealed class GroupNameTests
{
    public static TheoryData<string, string> InvalidNames => new()
    {
        { "", "empty" },
        { "   ", "empty" },
        { "ham", "'ham'" },
        { "ham:ip", "'ham:ip'" },
        { "mqtt:ip:239.1.2.3", "'mqtt:ip:239.1.2.3'" },
        { "ham:dns:239.1.2.3", "'dns'" },
        { "ham:IPv6:239.1.2.3", "'IPv6'" },
        { "ham:ip:feeder-7", "'feeder-7'" },
        { "ham:ip:239.1.2", "'239.1.2'" },
        { "ham:ip:4009820675", "'4009820675'" },
        { "ham:ip:10.0.0.1", "'10.0.0.1'" },
        { "ham:ip:223.255.255.255", "'223.255.255.255'" },
        { "ham:ip:240.0.0.1", "'240.0.0.1'" },
        { "ham:ip:239.1.2.3:0", "'0'" },
        { "ham:ip:239.1.2.3:65536", "'65536'" },
        { "ham:ip:239.1.2.3:70000", "'70000'" },
        { "ham:ip:239.1.2.3:x", "'x'" },
        { "ham:ip:239.1.2.3:-1", "'-1'" },
        { "ham:ip:239.1.2.3:", "port ''" },
        { "ham:ip:239.1.2.3:5000:extra", "'ham:ip:239.1.2.3:5000:extra'" },
    };

    [Theory]
    [InlineData("ham:ip:239.192.0.7:5000", "239.192.0.7", 5000, "ham:ip:239.192.0.7:5000", "239.192.0.7:5000")]
    [InlineData("HAM:IP:239.1.2.3", "239.1.2.3", null, "ham:ip:239.1.2.3", "239.1.2.3:5000")]
    [InlineData("Ham:Ip:239.1.2.3:6000", "239.1.2.3", 6000, "ham:ip:239.1.2.3:6000", "239.1.2.3:6000")]
    [InlineData("ham:ip:224.0.0.0:1", "224.0.0.0", 1, "ham:ip:224.0.0.0:1", "224.0.0.0:1")]
    [InlineData("ham:ip:239.255.255.255:65535", "239.255.255.255", 65535, "ham:ip:239.255.255.255:65535", "239.255.255.255:65535")]
    [InlineData("ham:ip:239.1.2.3:05000", "239.1.2.3", 5000, "ham:ip:239.1.2.3:5000", "239.1.2.3:5000")]
    public void TryParse_ValidName_ReturnsItsParts(string text, string group, int? port, string canonical, string endPoint)
    {
        Assert.True(GroupName.TryParse(text, out var name, out var error), error);

        Assert.Equal("ip", name.Namespace);
        Assert.Equal(group, name.Group);
        Assert.Equal(port, name.Port);
        Assert.Equal(IPAddress.Parse(group), name.Addresses.IPv4!.Address);
        Assert.Equal(canonical, name.Canonical);
        Assert.Equal(canonical, name.ToString());
        Assert.Equal(IPEndPoint.Parse(endPoint), name.Addresses.IPv4);
    }

    [Theory]
    [MemberData(nameof(InvalidNames))]
    public void TryParse_InvalidName_FailsNamingTheOffendingPart(string text, string offendingPart)
    {
        var parsed = GroupName.TryParse(text, out var name, out var error);

        Assert.False(parsed);
        Assert.Null(name);
        Assert.Contains(offendingPart, error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(InvalidNames))]
    public void Parse_InvalidName_ThrowsFormatExceptionNamingTheOffendingPart(string text, string offendingPart)
    {
        var exception = Assert.Throws<FormatException>(() => GroupName.Parse(text));

        Assert.Contains(offendingPart, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_Null_FailsAsEmpty()
    {
        Assert.False(GroupName.TryParse(null, out var name, out var error));
        Assert.Null(name);
        Assert.Contains("empty", error, StringComparison.Ordinal);
    }

    // IPAddress.TryParse would read a leading 0 as octal and 0x as hex (239.010.0.1 -> 239.8.0.1);
    // RFC 3986's IPv4address allows decimal octets without leading zeros only.
    [Theory]
    [InlineData("ham:ip:239.010.0.1", "'239.010.0.1'")]
    [InlineData("ham:ip:239.01.02.03", "'239.01.02.03'")]
    [InlineData("ham:ip:0xEF.1.2.3", "'0xEF.1.2.3'")]
    public void TryParse_OctetNotInPlainDecimal_FailsNamingTheGroup(string text, string offendingPart)
    {
        var parsed = GroupName.TryParse(text, out _, out var error);

        Assert.False(parsed);
        Assert.Contains(offendingPart, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ham:ip:239.1.2.3:5000", "HAM:IP:239.1.2.3:5000")]
    [InlineData("ham:ip:239.1.2.3:5000", "ham:ip:239.1.2.3:05000")]
    [InlineData("ham:ip:239.1.2.3", "Ham:iP:239.1.2.3")]
    public void Equals_SameCanonicalForm_AreEqual(string left, string right)
    {
        var a = GroupName.Parse(left);
        var b = GroupName.Parse(right);

        Assert.Equal(a, b);
        Assert.True(a == b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    // The canonical form, not the endpoint, identifies a group: a name without a port and the same
    // name with the default port are different groups on the wire although they share a socket.
    [Theory]
    [InlineData("ham:ip:239.1.2.3:5000", "ham:ip:239.1.2.4:5000")]
    [InlineData("ham:ip:239.1.2.3:5000", "ham:ip:239.1.2.3:5001")]
    [InlineData("ham:ip:239.1.2.3", "ham:ip:239.1.2.3:5000")]
    public void Equals_DifferentCanonicalForm_AreNotEqual(string left, string right)
    {
        var a = GroupName.Parse(left);
        var b = GroupName.Parse(right);

        Assert.NotEqual(a, b);
        Assert.True(a != b);
    }
}
