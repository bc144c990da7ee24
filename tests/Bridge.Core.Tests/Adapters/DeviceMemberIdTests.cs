using Bridge.Core.Adapters;

namespace Bridge.Core.Tests.Adapters;

/// <summary>The member id a node replies under for a device behind it, as docs/aggregation.md defines it.</summary>
public sealed class DeviceMemberIdTests
{
    [Theory]
    [InlineData(1UL, "iec61850", "bay1", 0x6a6f6b4a5abb1d23UL)] // SHA-256 of "0000000000000001/iec61850/bay1", first 8 bytes
    [InlineData(1UL, "iec61850", "bay2", 0x96e11b4d44990d9eUL)]
    [InlineData(2UL, "iec61850", "bay1", 0x32e5d04c9c73a9cfUL)]
    public void Of_NodeKindDevice_IsTheFirstEightBytesOfTheHash(ulong node, string kind, string device, ulong expected)
        => Assert.Equal(expected, DeviceMemberId.Of(node, kind, device));

    [Fact]
    public void Of_SameInputs_SameIdAndNeverTheNodesOwn()
    {
        var ids = Enumerable.Range(0, 1000).Select(i => DeviceMemberId.Of(0xABCDEF, "iec61850", $"ied{i}")).ToList();

        Assert.Equal(ids, Enumerable.Range(0, 1000).Select(i => DeviceMemberId.Of(0xABCDEF, "iec61850", $"ied{i}")));
        Assert.Equal(1000, ids.Distinct().Count());
        Assert.DoesNotContain(0xABCDEFUL, ids);
        Assert.DoesNotContain(0UL, ids);
    }
}
