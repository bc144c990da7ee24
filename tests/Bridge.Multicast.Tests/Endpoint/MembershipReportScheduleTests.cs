using Bridge.Multicast.Endpoint;
using Bridge.Multicast.Naming;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Multicast.Tests.Endpoint;

/// <summary>
/// When a socket reports its groups (<see cref="MembershipReportSchedule"/>): the schedule takes
/// the time as a parameter, so these tests drive it from a fake clock, as the socket drives it
/// from its <see cref="TimeProvider"/>.
/// </summary>
public sealed class MembershipReportScheduleTests
{
    private const ulong Source = 0x1234;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    private static readonly GroupName Tariff = GroupName.Parse("ham:sg:tariff");
    private static readonly GroupName Alarms = GroupName.Parse("ham:sg:alarms");

    [Fact]
    public void HandleTimeout_AfterAJoin_ReportsAtOnceThenEveryInterval()
    {
        var clock = new Clock();
        var schedule = new MembershipReportSchedule(Source, Interval);

        schedule.HandleGroupsChanged(clock.Now, [Tariff]);
        var sent = clock.Run(schedule, TimeSpan.FromSeconds(7));

        Assert.Equal([0.0, 2.0, 4.0, 6.0], sent.Select(s => s.At.TotalSeconds));
        Assert.All(sent, s => Assert.Equal([Tariff], s.Report.Groups));
        Assert.All(sent, s => Assert.Equal(Source, s.Report.SourceId));
        Assert.All(sent, s => Assert.Equal(Interval, s.Report.Interval));
    }

    [Fact]
    public void HandleGroupsChanged_Burst_IsReportedTogetherAtTheNextTimeout()
    {
        var schedule = new MembershipReportSchedule(Source, Interval);

        schedule.HandleGroupsChanged(TimeSpan.FromSeconds(1), [Tariff]);
        schedule.HandleGroupsChanged(TimeSpan.FromSeconds(1), [Tariff, Alarms]);

        Assert.False(schedule.TryPollReport(out _));
        Assert.Equal(TimeSpan.FromSeconds(1), schedule.PollTimeout());
        schedule.HandleTimeout(TimeSpan.FromSeconds(1));
        Assert.True(schedule.TryPollReport(out var report));
        Assert.Equal([Tariff, Alarms], report.Groups);
        Assert.False(schedule.TryPollReport(out _));
        Assert.Equal(TimeSpan.FromSeconds(3), schedule.PollTimeout());
    }

    [Fact]
    public void HandleGroupsChanged_BetweenReports_MovesTheNextReportForward()
    {
        var clock = new Clock();
        var schedule = new MembershipReportSchedule(Source, Interval);
        schedule.HandleGroupsChanged(clock.Now, [Tariff]);
        var first = clock.Run(schedule, TimeSpan.FromSeconds(0.5));

        schedule.HandleGroupsChanged(clock.Now, [Tariff, Alarms]);
        var then = clock.Run(schedule, TimeSpan.FromSeconds(3));

        Assert.Equal([0.0], first.Select(s => s.At.TotalSeconds));
        Assert.Equal([0.5, 2.5], then.Select(s => s.At.TotalSeconds));
        Assert.All(then, s => Assert.Equal([Tariff, Alarms], s.Report.Groups));
    }

    [Fact]
    public void HandleTimeout_AfterTheLastLeave_ReportsEmptyOnceAndFallsQuiet()
    {
        var clock = new Clock();
        var schedule = new MembershipReportSchedule(Source, Interval);
        schedule.HandleGroupsChanged(clock.Now, [Tariff]);
        clock.Run(schedule, TimeSpan.FromSeconds(3));

        schedule.HandleGroupsChanged(clock.Now, []);
        var sent = clock.Run(schedule, TimeSpan.FromSeconds(10));

        var withdrawal = Assert.Single(sent);
        Assert.Equal(TimeSpan.FromSeconds(3), withdrawal.At);
        Assert.Empty(withdrawal.Report.Groups);
        Assert.Null(schedule.PollTimeout());
    }

    [Fact]
    public void HandleTimeout_BeforeTheDeadline_ReportsNothing()
    {
        var schedule = new MembershipReportSchedule(Source, Interval);
        schedule.HandleGroupsChanged(TimeSpan.FromSeconds(5), [Tariff]);

        schedule.HandleTimeout(TimeSpan.FromSeconds(4.9));

        Assert.False(schedule.TryPollReport(out _));
        Assert.Equal(TimeSpan.FromSeconds(5), schedule.PollTimeout());
    }

    [Fact]
    public void PollTimeout_NothingJoinedYet_IsNull()
    {
        var schedule = new MembershipReportSchedule(Source, Interval);

        schedule.HandleTimeout(TimeSpan.FromHours(1));

        Assert.Null(schedule.PollTimeout());
        Assert.False(schedule.TryPollReport(out _));
    }

    [Fact]
    public void Close_WithGroupsJoined_WithdrawsThemOnceAndStops()
    {
        var clock = new Clock();
        var schedule = new MembershipReportSchedule(Source, Interval);
        schedule.HandleGroupsChanged(clock.Now, [Tariff]);
        clock.Run(schedule, TimeSpan.FromSeconds(1));

        schedule.Close();
        schedule.Close();

        Assert.True(schedule.TryPollReport(out var withdrawal));
        Assert.Empty(withdrawal.Groups);
        Assert.False(schedule.TryPollReport(out _));
        Assert.Null(schedule.PollTimeout());
        schedule.HandleGroupsChanged(clock.Now, [Alarms]);
        Assert.Empty(clock.Run(schedule, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void Close_NothingJoined_SendsNothing()
    {
        var clock = new Clock();
        var schedule = new MembershipReportSchedule(Source, Interval);
        schedule.HandleGroupsChanged(clock.Now, [Tariff]);
        schedule.HandleGroupsChanged(clock.Now, []);
        clock.Run(schedule, TimeSpan.FromSeconds(1));

        schedule.Close();

        Assert.False(schedule.TryPollReport(out _));
    }

    [Fact]
    public void TryPollReport_ManyReports_AreNumberedFromOneWithoutGaps()
    {
        var clock = new Clock();
        var schedule = new MembershipReportSchedule(Source, Interval);
        schedule.HandleGroupsChanged(clock.Now, [Tariff]);
        var sent = clock.Run(schedule, TimeSpan.FromSeconds(9));
        schedule.HandleGroupsChanged(clock.Now, [Tariff, Alarms]);
        sent.AddRange(clock.Run(schedule, TimeSpan.FromSeconds(1)));
        schedule.Close();
        Assert.True(schedule.TryPollReport(out var last));

        Assert.Equal(Enumerable.Range(1, sent.Count + 1).Select(i => (ulong)i), [.. sent.Select(s => s.Report.Sequence), last.Sequence]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Constructor_IntervalNotPositive_Throws(int milliseconds)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MembershipReportSchedule(Source, TimeSpan.FromMilliseconds(milliseconds)));
    }

    /// <summary>A fake clock and the driver loop of a socket: sleep until the deadline, time out, send what is due.</summary>
    private sealed class Clock
    {
        private readonly FakeTimeProvider _time = new();
        private readonly long _start;

        public Clock() => _start = _time.GetTimestamp();

        public TimeSpan Now => _time.GetElapsedTime(_start);

        /// <summary>Runs the schedule for <paramref name="duration"/> of fake time; returns what it sent, with when.</summary>
        public List<(TimeSpan At, MembershipReport Report)> Run(MembershipReportSchedule schedule, TimeSpan duration)
        {
            var end = Now + duration;
            List<(TimeSpan, MembershipReport)> sent = [];
            while (schedule.PollTimeout() is { } due && due < end)
            {
                if (due > Now)
                {
                    _time.Advance(due - Now);
                }

                schedule.HandleTimeout(Now);
                while (schedule.TryPollReport(out var report))
                {
                    sent.Add((Now, report));
                }
            }

            _time.Advance(end - Now);
            return sent;
        }
    }
}
