namespace Bridge.Fuzz.Tests;

public sealed class FuzzHarnessTests
{
    [Fact]
    public void RunBounded_TargetAllocatesPastItsBound_ThrowsFinding()
    {
        var greedy = new FuzzTarget("greedy", "allocates a megabyte per input", input => GC.KeepAlive(new byte[1024 * 1024]), 16, 1024, 8);

        var finding = Assert.Throws<FuzzFindingException>(() => FuzzHarness.RunBounded(greedy, new byte[16]));

        Assert.Contains("greedy", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RunBounded_TargetWithinItsBound_Returns()
    {
        var frugal = new FuzzTarget("frugal", "allocates a little", input => GC.KeepAlive(new byte[100]), 16, 1024, 8);

        var exception = Record.Exception(() => FuzzHarness.RunBounded(frugal, new byte[16]));

        Assert.Null(exception);
    }

    [Fact]
    public void RunBounded_ParserThrows_LetsTheExceptionThrough()
    {
        var broken = new FuzzTarget("broken", "throws", input => throw new InvalidOperationException("parser bug"), 16, 1024, 8);

        Assert.Throws<InvalidOperationException>(() => FuzzHarness.RunBounded(broken, new byte[1]));
    }

    [Fact]
    public void Find_UnknownName_IsNull()
    {
        Assert.Null(FuzzTargets.Find("no-such-target"));
        Assert.NotNull(FuzzTargets.Find("mms"));
    }

    [Theory]
    [InlineData("frame-datagram")]
    [InlineData("frame-stream")]
    [InlineData("relay")]
    [InlineData("link-state")]
    [InlineData("hello")]
    [InlineData("report")]
    [InlineData("agg-request")]
    [InlineData("agg-reply")]
    [InlineData("agg-partial")]
    [InlineData("mapping")]
    [InlineData("modbus")]
    [InlineData("goose")]
    [InlineData("rgoose")]
    [InlineData("mms")]
    public void RunBounded_EmptyAndOneByteInputs_ParseOrRejectWithinBounds(string name)
    {
        var target = FuzzTargets.Find(name);
        Assert.NotNull(target);

        for (var b = 0; b < 256; b++)
        {
            FuzzHarness.RunBounded(target, new[] { (byte)b });
        }

        var exception = Record.Exception(() => FuzzHarness.RunBounded(target, ReadOnlyMemory<byte>.Empty));

        Assert.Null(exception);
    }
}
