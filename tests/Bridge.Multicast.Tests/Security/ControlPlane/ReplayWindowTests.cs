using Bridge.Multicast.Security.ControlPlane;

namespace Bridge.Multicast.Tests.Security.ControlPlane;

/// <summary><see cref="ReplayWindow"/>: each number once, within the newest 64.</summary>
public sealed class ReplayWindowTests
{
    [Theory]
    [InlineData(new ulong[] { 1, 2, 3 }, new[] { true, true, true })]
    [InlineData(new ulong[] { 5, 5 }, new[] { true, false })]
    [InlineData(new ulong[] { 100, 37, 36, 37 }, new[] { true, true, false, false })]
    [InlineData(new ulong[] { 100, 200, 150, 136, 137 }, new[] { true, true, true, false, true })]
    [InlineData(new ulong[] { 0, ulong.MaxValue, 0 }, new[] { true, true, false })]
    public void TryAdmit_Sequence_EachNewNumberInTheWindowOnce(ulong[] sequence, bool[] admitted)
    {
        var window = new ReplayWindow();

        Assert.Equal(admitted, sequence.Select(window.TryAdmit).ToArray());
    }
}
