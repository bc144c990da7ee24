using Bridge.Core.Mapping;
using Bridge.Multicast.Naming;

namespace Bridge.Core.Tests.Mapping;

public sealed class GroupTemplateTests
{
    [Theory]
    [InlineData("ham:sg:tariff.{region}", "north", "ham:sg:tariff.north")]
    [InlineData("ham:sg:{kind}.tariff", "rtp", "ham:sg:rtp.tariff")]
    [InlineData("ham:ip:239.192.0.{region}:5000", "7", "ham:ip:239.192.0.7:5000")]
    public void Expand_ThenTryMatch_RoundTrips(string text, string value, string expected)
    {
        var template = GroupTemplate.Parse(text);
        var name = template.Expand(new Dictionary<string, string> { [template.Placeholders[0]] = value });

        Assert.Equal(GroupName.Parse(expected), name);
        Assert.True(template.TryMatch(name, out var bindings));
        Assert.Equal(value, bindings[template.Placeholders[0]]);
    }

    [Fact]
    public void TryMatch_ValueWrittenInUpperCase_BindsTheCanonicalValue()
    {
        var template = GroupTemplate.Parse("ham:sg:tariff.{region}");

        Assert.True(template.TryMatch(GroupName.Parse("ham:sg:tariff.NORTH"), out var bindings));
        Assert.Equal("north", bindings["region"]);
    }

    [Theory]
    [InlineData("ham:sg:tariff.{region}", "ham:sg:tariff.north.x")]
    [InlineData("ham:sg:tariff.{region}", "ham:sg:limits.north")]
    [InlineData("ham:sg:tariff.north", "ham:sg:tariff.south")]
    public void TryMatch_OtherGroup_DoesNotMatch(string text, string group)
    {
        Assert.False(GroupTemplate.Parse(text).TryMatch(GroupName.Parse(group), out _));
    }

    [Fact]
    public void Parse_WithoutPlaceholders_IsOneGroup()
    {
        var template = GroupTemplate.Parse("ham:sg:ami.tariff.rtp");

        Assert.Equal(GroupName.Parse("ham:sg:ami.tariff.rtp"), template.Name);
        Assert.Empty(template.Placeholders);
    }

    [Theory]
    [InlineData("ham:sg:tariff.{Region}", "must enclose a placeholder name")]
    [InlineData("ham:sg:tariff.{region", "must enclose a placeholder name")]
    [InlineData("ham:sg:tariff.region}", "must enclose a placeholder name")]
    [InlineData("ham:sg:{a}.{a}", "placeholder {a} appears twice")]
    [InlineData("ham:ip:1.2.3.{n}", "is not a group name with its placeholders filled in")]
    [InlineData("ham:xx:{a}", "is not a group name with its placeholders filled in")]
    [InlineData("ham:ip:1.2.3.4", "'1.2.3.4'")]
    public void TryParse_BadTemplate_NamesTheProblem(string text, string expectedInError)
    {
        Assert.False(GroupTemplate.TryParse(text, out _, out var error));
        Assert.Contains(expectedInError, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("north.x", "is not letters, digits")]
    [InlineData("300", "")]
    public void TryExpand_ValueThatMakesNoGroupName_Fails(string value, string expectedInError)
    {
        var template = GroupTemplate.Parse(value == "300" ? "ham:ip:239.192.0.{n}" : "ham:sg:tariff.{n}");

        Assert.False(template.TryExpand(new Dictionary<string, string> { ["n"] = value }, out _, out var error));
        Assert.Contains(expectedInError, error, StringComparison.Ordinal);
    }
}
