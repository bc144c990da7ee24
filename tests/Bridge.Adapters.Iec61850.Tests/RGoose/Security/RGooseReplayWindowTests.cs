using Bridge.Adapters.Iec61850.RGoose.Security;

namespace Bridge.Adapters.Iec61850.Tests.RGoose.Security;

/// <summary>The SPDU-number replay window: new numbers move it, late ones inside it count once, older ones and repeats are replays; per stream; across the 32-bit wrap.</summary>
public sealed class RGooseReplayWindowTests
{
    [Fact]
    public void TryAccept_Sequence_RepeatsAndTooOldRefused()
    {
        var window = new RGooseReplayWindow();

        Assert.True(window.TryAccept(1, 1, 100));
        Assert.False(window.TryAccept(1, 1, 100));
        Assert.True(window.TryAccept(1, 1, 200));
        Assert.True(window.TryAccept(1, 1, 200 - RGooseReplayWindow.Size + 1));
        Assert.False(window.TryAccept(1, 1, 200 - RGooseReplayWindow.Size + 1));
        Assert.False(window.TryAccept(1, 1, 200 - RGooseReplayWindow.Size));
        Assert.False(window.TryAccept(1, 1, 100));
    }

    [Fact]
    public void TryAccept_OtherKeyOrAppId_SeparateStreams()
    {
        var window = new RGooseReplayWindow();

        Assert.True(window.TryAccept(1, 1, 5));
        Assert.True(window.TryAccept(2, 1, 5));
        Assert.True(window.TryAccept(1, 2, 5));
        Assert.False(window.TryAccept(1, 1, 5));
        Assert.Equal(3, window.StreamCount);
    }

    [Fact]
    public void TryAccept_AcrossTheWrap_NewNumbersAcceptedOldRefused()
    {
        var window = new RGooseReplayWindow();

        Assert.True(window.TryAccept(1, 1, uint.MaxValue - 1));
        Assert.True(window.TryAccept(1, 1, 1));
        Assert.True(window.TryAccept(1, 1, uint.MaxValue));
        Assert.False(window.TryAccept(1, 1, uint.MaxValue - 1));
        Assert.True(window.TryAccept(1, 1, 2));
    }
}
