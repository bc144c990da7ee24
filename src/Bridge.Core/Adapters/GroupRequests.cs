using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;

namespace Bridge.Core.Adapters;

/// <summary>
/// A question to every member of a group, answered by one aggregated result (DESIGN.md §1, the
/// reverse channel): a Modbus read of a group register, a meter-reading round started by a
/// message on an MQTT or AMQP request topic.
/// </summary>
/// <param name="Group">Whom to ask.</param>
/// <param name="Spec">What to ask and how the answers combine.</param>
/// <param name="Deadline">How long the asker waits; what has not arrived by then counts as missing.</param>
public sealed record GroupRequest(GroupName Group, RequestSpec Spec, TimeSpan Deadline);

/// <summary>
/// What a request asks each member (<paramref name="Question"/>, of <paramref name="ContentType"/>)
/// and how their replies combine.
/// </summary>
/// <param name="Question">The request's payload, as the members' adapters understand it (a register range to read, say).</param>
/// <param name="ContentType">What the payload holds.</param>
public sealed record RequestSpec(ReadOnlyMemory<byte> Question, ContentType ContentType)
{
    /// <summary>How the members' values combine (count, sum, mean, histogram...); null for the requester's default.</summary>
    public Bridge.Multicast.Aggregation.AggregationSpec? Aggregation { get; init; }
}

/// <summary>
/// The one answer to a <see cref="GroupRequest"/>: the aggregated result and how many members it
/// stands for. A member that did not answer in time is missing, never counted as a zero.
/// </summary>
/// <param name="Result">The aggregate, encoded as the request's asker expects it.</param>
/// <param name="Contributors">Members whose replies are in the result.</param>
/// <param name="Missing">Members known to the group that did not answer by the deadline.</param>
/// <param name="Late">Replies that came after their aggregator's deadline and are not in the result.</param>
public sealed record GroupAnswer(ReadOnlyMemory<byte> Result, int Contributors, int Missing, int Late);

/// <summary>One member's reply to a request: its value, before aggregation.</summary>
/// <param name="Value">The reply's value (a register's value, a meter reading): a number as UTF-8 text in the invariant culture, as JSON writes one (<c>23.5</c>); the host replies with it.</param>
/// <param name="ContentType">What it holds.</param>
public sealed record MemberAnswer(ReadOnlyMemory<byte> Value, ContentType ContentType);

/// <summary>
/// Asks a group (the "ask" door of <see cref="AdapterContext"/>): sends the request and returns
/// the aggregated answer once every member answered or the deadline passed.
/// </summary>
public interface IGroupRequester
{
    /// <summary>Asks <see cref="GroupRequest.Group"/>; returns by the request's deadline.</summary>
    ValueTask<GroupAnswer> AskAsync(GroupRequest request, CancellationToken cancellationToken = default);
}

/// <summary>
/// A side that groups can ask (the "be asked" door): a device-side adapter answers a request by
/// reading its device. The host hands it the requests of the groups its rules join.
/// </summary>
public interface IGroupAnswerer
{
    /// <summary>This member's answer to <paramref name="request"/>, or null when it has none (the request is not for its devices).</summary>
    ValueTask<MemberAnswer?> AnswerAsync(GroupRequest request, CancellationToken cancellationToken = default);
}
