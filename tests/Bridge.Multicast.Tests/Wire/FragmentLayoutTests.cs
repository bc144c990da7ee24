using Bridge.Multicast.Wire;
using FsCheck;
using FsCheck.Xunit;

namespace Bridge.Multicast.Tests.Wire;

/// <summary>
/// <see cref="FragmentLayout"/>: the rule that every fragment but the last is full, as the
/// fragmenter applies it and as the decoder checks it, one fragment at a time.
/// </summary>
public sealed class FragmentLayoutTests
{
    [Theory]
    [InlineData(0, 10, 1, 0)]
    [InlineData(1, 10, 1, 1)]
    [InlineData(10, 10, 1, 10)]
    [InlineData(11, 10, 2, 10)]
    [InlineData(20, 10, 2, 10)]
    [InlineData(21, 10, 3, 10)]
    [InlineData(655_350, 10, 65_535, 10)]
    [InlineData(65_535, 1, 65_535, 1)]
    public void ForMessage_LengthAndCapacity_FewestFragmentsAllFullButLast(int length, int capacity, int count, int size)
    {
        var layout = FragmentLayout.ForMessage(length, capacity);

        Assert.Equal(new FragmentLayout((uint)length, (ushort)count, size), layout);
    }

    [Theory]
    [InlineData(655_351, 10)]
    [InlineData(65_536, 1)]
    [InlineData(int.MaxValue, 1)]
    public void ForMessage_MoreThan65535Fragments_Throws(int length, int capacity)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => FragmentLayout.ForMessage(length, capacity));
    }

    [Theory]
    [InlineData(-1, 10)]
    [InlineData(10, 0)]
    [InlineData(10, -5)]
    public void ForMessage_NegativeLengthOrNoCapacity_Throws(int length, int capacity)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => FragmentLayout.ForMessage(length, capacity));
    }

    [Property(MaxTest = 300)]
    public void ForMessage_AnyMessage_FragmentsTileItAndEachDescribesTheSameLayout(PositiveInt lengthSeed, PositiveInt capacitySeed)
    {
        var length = lengthSeed.Get % 200_000;
        var capacity = 1 + (capacitySeed.Get % 5_000);
        if ((length + capacity - 1) / capacity > ushort.MaxValue)
        {
            return;
        }

        var layout = FragmentLayout.ForMessage(length, capacity);

        long next = 0;
        for (var i = 0; i < layout.FragmentCount; i++)
        {
            Assert.Equal(next, layout.OffsetOf(i));
            var fragmentLength = layout.LengthOf(i);
            Assert.InRange(fragmentLength, layout.FragmentCount == 1 ? 0 : 1, capacity);
            Assert.Equal(FrameError.None, FragmentLayout.TryDescribe((ushort)i, layout.FragmentCount, (uint)fragmentLength, (uint)length, out var described));
            Assert.Equal(layout, described);
            next += fragmentLength;
        }

        Assert.Equal(length, next);
    }

    // The decoder's rule, checked exhaustively over small messages: it accepts exactly the
    // fragment fields some cut of some message produces, and nothing else.
    [Fact]
    public void TryDescribe_SmallMessages_AcceptsExactlyTheFragmentsOfSomeCut()
    {
        const int maxLength = 40;
        const int maxCount = 7;
        var produced = new HashSet<(int Index, int Count, int Payload, int Length)>();
        for (var length = 0; length <= maxLength; length++)
        {
            for (var capacity = 1; capacity <= maxLength + 1; capacity++)
            {
                var layout = FragmentLayout.ForMessage(length, capacity);
                for (var i = 0; i < layout.FragmentCount; i++)
                {
                    produced.Add((i, layout.FragmentCount, layout.LengthOf(i), length));
                }
            }
        }

        for (var length = 0; length <= maxLength; length++)
        {
            for (var count = 1; count <= maxCount; count++)
            {
                for (var index = 0; index < count; index++)
                {
                    for (var payload = 0; payload <= length; payload++)
                    {
                        var error = FragmentLayout.TryDescribe((ushort)index, (ushort)count, (uint)payload, (uint)length, out var layout);
                        var expected = produced.Contains((index, count, payload, length));

                        Assert.True(expected == (error == FrameError.None), $"fragment {index} of {count}, {payload} of {length} bytes: {error}");
                        if (expected)
                        {
                            Assert.Equal(payload, layout.LengthOf(index));
                        }
                        else
                        {
                            Assert.Equal(FrameError.InconsistentFragment, error);
                        }
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(0, 0, 0, 0, FrameError.FragmentCountZero)]
    [InlineData(1, 1, 0, 0, FrameError.FragmentIndexOutOfRange)]
    [InlineData(5, 5, 1, 10, FrameError.FragmentIndexOutOfRange)]
    [InlineData(0, 1, 6, 5, FrameError.PayloadExceedsMessage)]
    [InlineData(0, 2, 6, 5, FrameError.PayloadExceedsMessage)]
    [InlineData(0, 1, 4, 5, FrameError.InconsistentFragment)]
    [InlineData(0, 2, 0, 5, FrameError.InconsistentFragment)]
    public void TryDescribe_BadFields_NamesTheFirstBrokenRule(int index, int count, int payload, int length, FrameError expected)
    {
        Assert.Equal(expected, FragmentLayout.TryDescribe((ushort)index, (ushort)count, (uint)payload, (uint)length, out var layout));
        Assert.Equal(default, layout);
    }

    [Fact]
    public void TryDescribe_MaximalCountAndSize_ComputesOffsetsWithoutOverflow()
    {
        // 65535 fragments of 65535 bytes: more than int.MaxValue bytes in all, still a 32-bit length.
        const uint length = 65_535u * 65_535u;

        Assert.Equal(FrameError.None, FragmentLayout.TryDescribe(ushort.MaxValue - 1, ushort.MaxValue, ushort.MaxValue, length, out var layout));
        Assert.Equal(new FragmentLayout(length, ushort.MaxValue, ushort.MaxValue), layout);
        Assert.Equal((long)(ushort.MaxValue - 1) * ushort.MaxValue, layout.OffsetOf(ushort.MaxValue - 1));
        Assert.Equal(ushort.MaxValue, layout.LengthOf(ushort.MaxValue - 1));
    }
}
