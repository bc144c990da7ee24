using Bridge.Adapters.Iec61850.Client;
using Bridge.Adapters.Iec61850.Mms.Pdu;

namespace Bridge.Adapters.Iec61850.Tests.Client;

/// <summary>Object references and their IEC 61850-8-1 mapping to MMS names.</summary>
public sealed class ObjectReferenceTests
{
    [Theory]
    [InlineData("simpleIOGenericIO/GGIO1.AnIn1.mag.f[MX]", "simpleIOGenericIO", "GGIO1$MX$AnIn1$mag$f")]
    [InlineData("LD1/LLN0.Mod.stVal[ST]", "LD1", "LLN0$ST$Mod$stVal")]
    [InlineData("LD1/LLN0.EventsRCB01[RP]", "LD1", "LLN0$RP$EventsRCB01")]
    [InlineData("LD1/GGIO1.SPCSO1[CO]", "LD1", "GGIO1$CO$SPCSO1")]
    [InlineData("LD1/LLN0.Events", "LD1", "LLN0$Events")]
    [InlineData("LD1/GGIO1", "LD1", "GGIO1")]
    public void ToMmsName_Reference_IsDomainAndItem(string text, string domain, string item)
    {
        var reference = ObjectReference.Parse(text);

        Assert.Equal(ObjectName.Domain(domain, item), reference.ToMmsName());
        Assert.Equal(text, reference.ToString());
        Assert.Equal(reference, ObjectReference.FromMmsName(reference.ToMmsName()));
    }

    [Fact]
    public void FromItem_DataSetMember_KeepsTheFunctionalConstraint()
    {
        var reference = ObjectReference.FromItem("simpleIOGenericIO", "GGIO1$ST$SPCSO1$stVal");

        Assert.Equal(FunctionalConstraint.ST, reference.Fc);
        Assert.Equal("GGIO1", reference.LogicalNode);
        Assert.Equal(["SPCSO1", "stVal"], reference.Names);
        Assert.Equal("stVal", reference.Leaf);
    }

    [Theory]
    [InlineData("simpleIOGenericIO/LLN0$Events", "simpleIOGenericIO/LLN0.Events")]
    [InlineData("LD1/LLN0.Events", "LD1/LLN0.Events")]
    public void ParseDataSet_EitherForm_GivesTheSameReference(string text, string expected)
        => Assert.Equal(expected, ObjectReference.ParseDataSet(text).ToString());

    [Fact]
    public void Child_AndParent_WalkTheTreeKeepingTheFc()
    {
        var mag = ObjectReference.Parse("LD1/MMXU1.TotW[MX]").Child("mag").Child("f");

        Assert.Equal("LD1/MMXU1.TotW.mag.f[MX]", mag.ToString());
        Assert.Equal("LD1/MMXU1.TotW.mag[MX]", mag.Parent().ToString());
        Assert.Throws<InvalidOperationException>(() => ObjectReference.Parse("LD1/MMXU1").Parent());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("GGIO1.AnIn1", "'/'")]
    [InlineData("LD1/", "'/'")]
    [InlineData("LD1/GGIO1..stVal", "name")]
    [InlineData("LD1/GGIO1.Ind1.stVal[XX]", "functional constraint")]
    [InlineData("LD1/GGIO1.Ind$1", "'$'")]
    [InlineData("LD 1/GGIO1", "' '")]
    public void TryParse_NotAReference_SaysWhatIsWrong(string text, string fragment)
    {
        Assert.False(ObjectReference.TryParse(text, out _, out var error));
        Assert.Contains(fragment, error, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => ObjectReference.Parse(text));
    }

    [Fact]
    public void FromMmsName_VmdSpecific_IsRefused()
        => Assert.Throws<FormatException>(() => ObjectReference.FromMmsName(ObjectName.Vmd("RPT")));
}
