using System.Net;
using Bridge.Multicast.Naming;

namespace Bridge.Multicast.Tests.Naming;

/// <summary>
/// <see cref="GroupName"/>: the RFC 7046 multicast URI and HAMcast's older form, their
/// normalisation, and the rejection of every malformed name with its offending part.
/// </summary>
public sealed class GroupNameTests
{
    /// <summary>Text, canonical form, namespace, group, instantiation, port, sec-credentials.</summary>
    public static TheoryData<string, string, string, string, string?, int?, string?> ValidNames => new()
    {
        // ip namespace, IPv4.
        { "ham:ip:239.192.0.7:5000", "ham:ip:239.192.0.7:5000", "ip", "239.192.0.7", null, 5000, null },
        { "HAM:IP:239.1.2.3", "ham:ip:239.1.2.3", "ip", "239.1.2.3", null, null, null },
        { "Ham:Ip:239.1.2.3:6000", "ham:ip:239.1.2.3:6000", "ip", "239.1.2.3", null, 6000, null },
        { "ham:ip:224.0.0.0:1", "ham:ip:224.0.0.0:1", "ip", "224.0.0.0", null, 1, null },
        { "ham:ip:239.255.255.255:65535", "ham:ip:239.255.255.255:65535", "ip", "239.255.255.255", null, 65535, null },
        { "ham:ip:239.1.2.3:05000", "ham:ip:239.1.2.3:5000", "ip", "239.1.2.3", null, 5000, null },
        { "ham:ip:232.1.2.3@10.0.0.1:5000", "ham:ip:232.1.2.3@10.0.0.1:5000", "ip", "232.1.2.3", "10.0.0.1", 5000, null },
        { "ham:ip:232.1.2.3@127.0.0.1", "ham:ip:232.1.2.3@127.0.0.1", "ip", "232.1.2.3", "127.0.0.1", null, null },
        { "ham:ip:239.1.2.3:5000/hmac-sha256;c2VjcmV0", "ham:ip:239.1.2.3:5000/hmac-sha256;c2VjcmV0", "ip", "239.1.2.3", null, 5000, "hmac-sha256;c2VjcmV0" },
        { "ham:ip:239.1.2.3/gmac;K-3_y.~", "ham:ip:239.1.2.3/gmac;K-3_y.~", "ip", "239.1.2.3", null, null, "gmac;K-3_y.~" },

        // ip namespace, IPv6 in RFC 5952 text, brackets kept as the URI's IP-literal.
        { "ham:ip:[ff15::1]:5000", "ham:ip:[ff15::1]:5000", "ip", "[ff15::1]", null, 5000, null },
        { "ham:ip:[FF15:0:0:0:0:0:0:0001]", "ham:ip:[ff15::1]", "ip", "[ff15::1]", null, null, null },
        { "ham:ip:[ff02::1]:9", "ham:ip:[ff02::1]:9", "ip", "[ff02::1]", null, 9, null },
        { "ham:ip:[ff3e::8000:1]@[2001:DB8:0::7]:5000", "ham:ip:[ff3e::8000:1]@[2001:db8::7]:5000", "ip", "[ff3e::8000:1]", "[2001:db8::7]", 5000, null },
        { "ham:ip:[ff35::1]@[::1]", "ham:ip:[ff35::1]@[::1]", "ip", "[ff35::1]", "[::1]", null, null },

        // Hashed namespaces.
        { "ham:sg:ami.tariff.rtp", "ham:sg:ami.tariff.rtp", "sg", "ami.tariff.rtp", null, null, null },
        { "HAM:SG:AMI.Tariff.RTP:6000", "ham:sg:ami.tariff.rtp:6000", "sg", "ami.tariff.rtp", null, 6000, null },
        { "ham:sg:dsm.class-b_2~x", "ham:sg:dsm.class-b_2~x", "sg", "dsm.class-b_2~x", null, null, null },
        { "ham:sg:vpp@Substation-12:7000", "ham:sg:vpp@substation-12:7000", "sg", "vpp", "substation-12", 7000, null },
        { "ham:sg:ami.tariff.rtp@[2001:DB8::7]", "ham:sg:ami.tariff.rtp@[2001:db8::7]", "sg", "ami.tariff.rtp", "[2001:db8::7]", null, null },
        { "ham:sip:news@cnn.com", "ham:sip:news@cnn.com", "sip", "news", "cnn.com", null, null },
        { "ham:SIP:News@CNN.com:5060", "ham:sip:News@CNN.com:5060", "sip", "News", "CNN.com", 5060, null },
        { "ham:opaque:News.-_~", "ham:opaque:News.-_~", "opaque", "News.-_~", null, null, null },
        { "ham:opaque:.x..", "ham:opaque:.x..", "opaque", ".x..", null, null, null },
        { "ham:sg:ami.tariff.rtp:5000/hmac;k", "ham:sg:ami.tariff.rtp:5000/hmac;k", "sg", "ami.tariff.rtp", null, 5000, "hmac;k" },

        // HAMcast's older form, normalised to ham:.
        { "ip://239.1.2.3@10.0.0.1:5000", "ham:ip:239.1.2.3@10.0.0.1:5000", "ip", "239.1.2.3", "10.0.0.1", 5000, null },
        { "IP://239.1.2.3", "ham:ip:239.1.2.3", "ip", "239.1.2.3", null, null, null },
        { "ip://[FF15::1]:5000", "ham:ip:[ff15::1]:5000", "ip", "[ff15::1]", null, 5000, null },
        { "sg://ami.tariff.rtp", "ham:sg:ami.tariff.rtp", "sg", "ami.tariff.rtp", null, null, null },
        { "Sip://news@cnn.com:5060/alg;v", "ham:sip:news@cnn.com:5060/alg;v", "sip", "news", "cnn.com", 5060, "alg;v" },
        { "opaque://x", "ham:opaque:x", "opaque", "x", null, null, null },
    };

    public static TheoryData<string, string> InvalidNames => new()
    {
        // Form and scheme.
        { "", "empty" },
        { "   ", "empty" },
        { "ham", "'ham'" },
        { "ham:ip", "'ham:ip'" },
        { "mqtt:ip:239.1.2.3", "'mqtt:ip:239.1.2.3'" },
        { "mqtt:ip:239.1.2.3", "scheme 'mqtt'" },
        { "ham://239.1.2.3", "mixes the two forms" },
        { " ham:ip:239.1.2.3", "scheme ' ham'" },

        // Namespace.
        { "ham:dns:239.1.2.3", "namespace 'dns'" },
        { "ham:IPv6:239.1.2.3", "namespace 'IPv6'" },
        { "ham:foo:x", "namespace 'foo'" },
        { "ham::x", "namespace ''" },
        { "foo://x", "namespace 'foo'" },
        { "://x", "namespace ''" },

        // ip group.
        { "ham:ip:", "empty group" },
        { "ham:ip::5000", "empty group" },
        { "ham:ip:feeder-7", "group 'feeder-7'" },
        { "ham:ip:239.1.2", "group '239.1.2'" },
        { "ham:ip:239.1.2.3.4", "group '239.1.2.3.4'" },
        { "ham:ip:239.1.2.256", "group '239.1.2.256'" },
        { "ham:ip:4009820675", "group '4009820675'" },
        { "ham:ip:10.0.0.1", "group '10.0.0.1'" },
        { "ham:ip:223.255.255.255", "group '223.255.255.255'" },
        { "ham:ip:240.0.0.1", "group '240.0.0.1'" },
        { "ham:ip:[2001:db8::1]", "group '[2001:db8::1]' in 'ham:ip:[2001:db8::1]' is not an IPv6 multicast" },
        { "ham:ip:[::ffff:239.1.2.3]", "group '[::ffff:239.1.2.3]'" },
        { "ham:ip:[ff10::1]", "multicast scope 0" },
        { "ham:ip:[ff1f::1]", "multicast scope f" },
        { "ham:ip:[ff15::1%eth0]", "zone identifier" },
        { "ham:ip:[ff15::1%25eth0]", "group '[ff15::1%25eth0]'" },
        { "ham:ip:[v1.fe]", "IPvFuture" },
        { "ham:ip:[ff15:::1]", "group '[ff15:::1]'" },
        { "ham:ip:[ff15::g]", "group '[ff15::g]'" },
        { "ham:ip:[239.1.2.3]", "group '[239.1.2.3]'" },
        { "ham:ip:[ff15::1.02.3.4]", "group '[ff15::1.02.3.4]'" },
        { "ham:ip:[ff15::1", "opens an IP literal" },
        { "ham:ip:[ff15::1]x", "'x' after '[ff15::1]'" },
        { "ham:ip:ff15::1", "group 'ff15::1'" },
        { "ham:ip:ff15::1:5000", "in brackets" },

        // ip instantiation (source).
        { "ham:ip:232.1.2.3@", "empty after '@'" },
        { "ham:ip:232.1.2.3@source-7", "instantiation 'source-7'" },
        { "ham:ip:232.1.2.3@10.0.0.01", "instantiation '10.0.0.01'" },
        { "ham:ip:232.1.2.3@[2001:db8::1]", "instantiation '[2001:db8::1]' in 'ham:ip:232.1.2.3@[2001:db8::1]' is an IPv6 source for an IPv4 group" },
        { "ham:ip:[ff35::1]@10.0.0.1", "instantiation '10.0.0.1' in 'ham:ip:[ff35::1]@10.0.0.1' is an IPv4 source for an IPv6 group" },
        { "ham:ip:232.1.2.3@239.1.2.4", "instantiation '239.1.2.4'" },
        { "ham:ip:232.1.2.3@0.0.0.0", "instantiation '0.0.0.0'" },
        { "ham:ip:232.1.2.3@255.255.255.255", "instantiation '255.255.255.255'" },
        { "ham:ip:[ff35::1]@[::]", "instantiation '[::]'" },
        { "ham:ip:[ff35::1]@[ff02::1]", "instantiation '[ff02::1]'" },
        { "ham:ip:[ff35::1]@[::ffff:10.0.0.1]", "instantiation '[::ffff:10.0.0.1]'" },
        { "ham:ip:[ff35::1]@[2001:db8::1", "opens an IP literal" },
        { "ham:ip:[ff35::1]@[2001:db8::1]@x", "'@x' after" },

        // Groups and instantiations of the hashed namespaces.
        { "ham:sg:", "empty group" },
        { "ham:sg:ami tariff", "' ' (U+0020)" },
        { "ham:sg:ami#tariff", "group 'ami#tariff' in 'ham:sg:ami#tariff' holds '#'" },
        { "ham:sg:ami+tariff", "'+'" },
        { "ham:sg:ami%20tariff", "'%'" },
        { "ham:sg:tarif\u00e9", "'\u00e9' (U+00E9)" },
        { "ham:sg:ami\ttariff", "holds U+0009" },
        { "ham:sg:*", "group '*'" },
        { "ham:opaque:*@x", "wildcard" },
        { "ham:sg:[ff15::1]", "only the ip namespace" },
        { "ham:sg:ami..tariff", "group 'ami..tariff'" },
        { "ham:sg:.ami", "empty label" },
        { "ham:sg:ami.", "empty label" },
        { "ham:sg:x@", "instantiation in 'ham:sg:x@' is empty" },
        { "ham:sg:x@a@b", "instantiation 'a@b'" },
        { "ham:sip:news@cnn!com", "'!'" },
        { "ham:sg:x@[feeder]", "instantiation '[feeder]'" },
        { "ham:sg:x@2001:db8::1", "instantiation '2001:db8::1'" },

        // Port.
        { "ham:ip:239.1.2.3:0", "port '0'" },
        { "ham:ip:239.1.2.3:65536", "port '65536'" },
        { "ham:ip:239.1.2.3:70000", "port '70000' in 'ham:ip:239.1.2.3:70000'" },
        { "ham:ip:239.1.2.3:99999999999", "port '99999999999'" },
        { "ham:ip:239.1.2.3:x", "port 'x'" },
        { "ham:ip:239.1.2.3:-1", "port '-1'" },
        { "ham:ip:239.1.2.3:+1", "port '+1'" },
        { "ham:ip:239.1.2.3: 1", "port ' 1'" },
        { "ham:ip:239.1.2.3:", "port ''" },
        { "ham:ip:239.1.2.3:5000:extra", "'ham:ip:239.1.2.3:5000:extra'" },
        { "ham:sg:x:5000:1", "port '5000:1'" },
        { "ham:ip:[ff15::1]:", "port ''" },

        // Credentials: named as the part, their value never repeated.
        { "ham:sg:x/", "sec-credentials in 'ham:sg:x/***' are not of the form alg;value" },
        { "ham:sg:x/secret", "sec-credentials in 'ham:sg:x/***'" },
        { "ham:sg:x/;secret", "sec-credentials" },
        { "ham:sg:x/alg;", "sec-credentials" },
        { "ham:sg:x/alg;a;b", "hold ';'" },
        { "ham:sg:x/alg;a+b=", "hold '+'" },
        { "ham:sg:x/alg;a/b", "hold '/'" },
        { "ham:sg:ami tariff/alg;secret", "in 'ham:sg:ami tariff/***'" },
        { "sg://x/alg;a b", "in 'sg://x/***' hold ' '" },
    };

    [Theory]
    [MemberData(nameof(ValidNames))]
    public void TryParse_ValidName_ReturnsItsNormalisedParts(
        string text, string canonical, string ns, string group, string? instantiation, int? port, string? credentials)
    {
        Assert.True(GroupName.TryParse(text, out var name, out var error), error);

        Assert.Equal(canonical, name.Canonical);
        Assert.Equal(ns, name.Namespace);
        Assert.Equal(group, name.Group);
        Assert.Equal(instantiation, name.Instantiation);
        Assert.Equal(port, name.Port);
        Assert.Equal(credentials, name.SecCredentials);
    }

    public static TheoryData<string> ValidTexts => new(ValidNames.Select(row => (string)row[0]));

    [Theory]
    [MemberData(nameof(ValidTexts))]
    public void Parse_Canonical_GivesTheSameName(string text)
    {
        var name = GroupName.Parse(text);

        var again = GroupName.Parse(name.Canonical);

        Assert.Equal(name.Canonical, again.Canonical);
        Assert.Equal(name.WireName, again.WireName);
        Assert.Equal(name, again);
        Assert.Equal(name.Addresses, again.Addresses);
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
    [InlineData("ham:ip:232.1.2.3@010.0.0.1", "'010.0.0.1'")]
    public void TryParse_OctetNotInPlainDecimal_FailsNamingThePart(string text, string offendingPart)
    {
        var parsed = GroupName.TryParse(text, out _, out var error);

        Assert.False(parsed);
        Assert.Contains(offendingPart, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ham:sg:x:0/alg;TopSecret", "TopSecret")]
    [InlineData("ham:sg:x y/alg;TopSecret", "TopSecret")]
    [InlineData("ham:sg:x/alg;Top Secret", "Secret")]
    [InlineData("mqtt:sg:x/alg;TopSecret", "TopSecret")]
    [InlineData("sg://x:0/alg;TopSecret", "TopSecret")]
    public void TryParse_InvalidNameWithCredentials_ErrorDoesNotRepeatThem(string text, string secret)
    {
        Assert.False(GroupName.TryParse(text, out _, out var error));

        Assert.DoesNotContain(secret, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_WireNameLongerThanAFrameCarries_FailsSayingSo()
    {
        var text = "ham:opaque:" + new string('a', 1024);

        Assert.False(GroupName.TryParse(text, out _, out var error));

        Assert.Contains("frames carry at most 1024", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_WireNameOfExactlyTheFrameLimit_Succeeds()
    {
        var text = "ham:opaque:" + new string('a', 1024 - "ham:opaque:".Length) + "/alg;" + new string('k', 500);

        Assert.True(GroupName.TryParse(text, out var name, out var error), error);

        Assert.Equal(1024, name.WireName.Length);
    }

    [Fact]
    public void TryParse_TextBeyondTheLengthLimit_FailsWithoutEchoingIt()
    {
        var text = "ham:sg:" + new string('a', 5000);

        Assert.False(GroupName.TryParse(text, out _, out var error));

        Assert.Contains("longer than the 4096 allowed", error, StringComparison.Ordinal);
        Assert.True(error.Length < 200);
    }

    [Theory]
    [InlineData("ham:sg:ami.tariff.rtp:6000/hmac-sha256;a2V5", "ham:sg:ami.tariff.rtp:6000")]
    [InlineData("ham:ip:232.1.2.3@10.0.0.1/alg;v", "ham:ip:232.1.2.3@10.0.0.1")]
    [InlineData("sg://ami.tariff.rtp/alg;v", "ham:sg:ami.tariff.rtp")]
    [InlineData("ham:ip:239.1.2.3:5000", "ham:ip:239.1.2.3:5000")]
    public void WireName_IsTheCanonicalFormWithoutCredentials(string text, string wireName)
    {
        var name = GroupName.Parse(text);

        Assert.Equal(wireName, name.WireName);
        Assert.Equal(wireName, name.ToString());
    }

    [Fact]
    public void Equals_SameGroupDifferentCredentials_AreDifferentNamesWithOneWireName()
    {
        var a = GroupName.Parse("ham:sg:ami.tariff.rtp/hmac;key-a");
        var b = GroupName.Parse("ham:sg:ami.tariff.rtp/hmac;key-b");

        Assert.NotEqual(a, b);
        Assert.Equal(a.WireName, b.WireName);
        Assert.Equal(a.Addresses, b.Addresses);
    }

    [Theory]
    [InlineData("ham:ip:239.1.2.3:5000", "HAM:IP:239.1.2.3:5000")]
    [InlineData("ham:ip:239.1.2.3:5000", "ham:ip:239.1.2.3:05000")]
    [InlineData("ham:ip:239.1.2.3", "Ham:iP:239.1.2.3")]
    [InlineData("ham:ip:239.1.2.3@10.0.0.1:5000", "ip://239.1.2.3@10.0.0.1:5000")]
    [InlineData("ham:ip:[ff15::1]", "ham:ip:[FF15:0::01]")]
    [InlineData("ham:sg:ami.tariff.rtp", "sg://AMI.tariff.RTP")]
    [InlineData("ham:sg:ami.tariff.rtp/alg;v", "ham:sg:ami.tariff.rtp/alg;v")]
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
    [InlineData("ham:ip:232.1.2.3", "ham:ip:232.1.2.3@10.0.0.1")]
    [InlineData("ham:sip:News", "ham:sip:news")]
    [InlineData("ham:sip:news", "ham:opaque:news")]
    [InlineData("ham:sg:ami.tariff.rtp", "ham:sg:ami.tariff.rtp/alg;v")]
    public void Equals_DifferentCanonicalForm_AreNotEqual(string left, string right)
    {
        var a = GroupName.Parse(left);
        var b = GroupName.Parse(right);

        Assert.NotEqual(a, b);
        Assert.True(a != b);
    }

    [Fact]
    public void Port_Absent_EndpointsUseTheDefaultPort()
    {
        var literal = GroupName.Parse("ham:ip:239.1.2.3");
        var hashed = GroupName.Parse("ham:sg:ami.tariff.rtp");

        Assert.Null(literal.Port);
        Assert.Equal(GroupName.DefaultPort, literal.Addresses.IPv4!.Port);
        Assert.Equal(GroupName.DefaultPort, hashed.Addresses.IPv4!.Port);
        Assert.Equal(GroupName.DefaultPort, hashed.Addresses.IPv6!.Port);
        Assert.Equal(5000, GroupName.DefaultPort);
    }

    [Theory]
    [InlineData("ip", GroupNamespace.Ip)]
    [InlineData("SIP", GroupNamespace.Sip)]
    [InlineData("Opaque", GroupNamespace.Opaque)]
    [InlineData("sG", GroupNamespace.SmartGrid)]
    [InlineData("dns", null)]
    [InlineData("", null)]
    public void GroupNamespaceFind_AnyCase_ReturnsTheLowerCaseNamespace(string text, string? expected)
    {
        Assert.Equal(expected, GroupNamespace.Find(text));
    }

    [Fact]
    public void Parse_SourceSpecificIPv6Name_ExposesGroupAndSourceAddresses()
    {
        var name = GroupName.Parse("ham:ip:[ff3e::8000:1]@[2001:db8::7]:5000");

        Assert.Equal(IPAddress.Parse("ff3e::8000:1"), name.Addresses.IPv6!.Address);
        Assert.Equal(IPAddress.Parse("2001:db8::7"), name.Addresses.Source);
        Assert.Null(name.Addresses.IPv4);
        Assert.False(name.IsHashMapped);
    }
}
