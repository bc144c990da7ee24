using Bridge.Multicast.Naming;

namespace Bridge.Multicast.Endpoint;

/// <summary>
/// What a host tells the gateways of its domain about the groups it listens to: every group it
/// has joined now. A report replaces the host's previous one, so an empty report withdraws them all.
/// </summary>
/// <param name="SourceId">The reporting socket's source id, which names the member.</param>
/// <param name="Sequence">Numbers the host's reports from 1.</param>
/// <param name="Interval">How often the host repeats its report; receivers derive how long to believe it from this.</param>
/// <param name="Groups">The groups joined now; empty for a withdrawal.</param>
public sealed record MembershipReport(ulong SourceId, ulong Sequence, TimeSpan Interval, IReadOnlyList<GroupName> Groups);

/// <summary>
/// How membership reports are put on the wire: the group they are sent to and the datagram of
/// one report. The group socket decides when to report (<see cref="MembershipReportSchedule"/>);
/// the overlay that learns members defines what a report looks like, so the socket needs to know
/// nothing of the overlay's messages.
/// </summary>
public interface IMembershipReportFormat
{
    /// <summary>The group the reports are sent to.</summary>
    GroupName Group { get; }

    /// <summary>The datagram of <paramref name="report"/>: a whole GridCast frame for <see cref="Group"/>.</summary>
    /// <param name="report">The report.</param>
    /// <param name="timestampMicroseconds">The wall-clock time for the frame header (wire-format §3), from the driver.</param>
    byte[] Encode(MembershipReport report, long timestampMicroseconds);
}
