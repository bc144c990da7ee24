using Bridge.Multicast.Endpoint;
using FsCheck.Xunit;

namespace Bridge.Multicast.Tests.Endpoint;

/// <summary>
/// The duplicate window of one source: checked against a model that remembers every number
/// delivered, so a stale bit left in the ring would show up as a false duplicate.
/// </summary>
public sealed class SequenceWindowTests
{
    [Property(MaxTest = 300)]
    public void Check_AnyArrivals_AgreesWithModelThatRemembersEverything(byte windowSeed, ushort first, byte[] steps)
    {
        var size = 1 + (windowSeed % 130);
        var window = new SequenceWindow(size, first);
        var delivered = new HashSet<ulong> { first };
        var newest = (ulong)first;
        var sequence = (ulong)first;

        foreach (var step in steps)
        {
            // Mostly the next number; sometimes a gap of 2 to 41 (the skipped numbers' ring
            // positions still hold older ones), sometimes 0 to 55 back; never below zero.
            var move = step switch
            {
                < 160 => 1,
                < 200 => step - 158,
                _ => -(step - 200),
            };
            sequence = (ulong)Math.Max(0, (long)sequence + move);
            var expected = sequence > newest ? "New"
                : newest - sequence >= (ulong)size ? "TooOld"
                : delivered.Contains(sequence) ? "Duplicate" : "New";

            var verdict = window.Check(sequence);

            Assert.Equal(expected, verdict.ToString());
            if (verdict == SequenceVerdict.New)
            {
                window.Mark(sequence);
                delivered.Add(sequence);
                newest = Math.Max(newest, sequence);
            }
        }
    }

    [Fact]
    public void Check_GapFilledLate_DeliversTheLateOnes()
    {
        var window = new SequenceWindow(64, 1);
        for (ulong s = 2; s < 90; s++)
        {
            window.Mark(s);
        }

        window.Mark(100); // 90 to 99 missing; their ring positions last held 26 to 35

        Assert.Equal(SequenceVerdict.New, window.Check(95));
        Assert.Equal(SequenceVerdict.Duplicate, window.Check(89));
        Assert.Equal(SequenceVerdict.TooOld, window.Check(36));
    }

    [Fact]
    public void Mark_JumpFarAhead_ForgetsEverythingBefore()
    {
        var window = new SequenceWindow(64, 5);

        window.Mark(5 + 1000);

        Assert.Equal(SequenceVerdict.New, window.Check(1000));
        Assert.Equal(SequenceVerdict.Duplicate, window.Check(1005));
    }
}
