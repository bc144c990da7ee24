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
public sealed record MemberAnswer(ReadOnlyMemory<byte> Value, ContentType ContentType)
{
    /// <summary>
    /// The device the answer stands for, one of the side's <see cref="IGroupAnswerer.Devices"/>
    /// (an IED's name): the host replies with the device's member id
    /// (<see cref="DeviceMemberId"/>), so the asker counts each device. Null, the default: the
    /// answer is the node's own, replied with the node's id, at most one per request.
    /// </summary>
    public string? Device { get; init; }
}

/// <summary>
/// A device a side answers for as a member of its own (an IED behind an IEC 61850 side): the
/// groups whose requests it answers. The host announces it to the gateways as it announces
/// itself, so that a round where membership is known names the device when it does not answer.
/// </summary>
/// <param name="Name">The device's name, unique within its side (the IED's name in the node file).</param>
/// <param name="Groups">The groups it answers.</param>
public sealed record AnsweringDevice(string Name, IReadOnlyList<GroupName> Groups);

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
/// <remarks>
/// A side answers either as the node (one answer per request without a
/// <see cref="MemberAnswer.Device"/>, as a Modbus device side does) or for each of its
/// <see cref="Devices"/> (one answer per device that could be read, as an IEC 61850 side with
/// several IEDs does). A device that cannot be read gives no answer, so the asker counts it
/// missing, never as a zero.
/// </remarks>
public interface IGroupAnswerer
{
    /// <summary>The devices this side answers for as members of their own; empty when it answers as the node. Fixed for the side's life.</summary>
    IReadOnlyList<AnsweringDevice> Devices { get; }

    /// <summary>
    /// This side's answers to <paramref name="request"/>, each as soon as it is known (a device
    /// that is slow to read must not hold up the others); none when the request is not for its
    /// devices or none could be read. Ends when every answer is given or
    /// <paramref name="cancellationToken"/> (the request's deadline) is cancelled.
    /// </summary>
    IAsyncEnumerable<MemberAnswer> AnswerAsync(GroupRequest request, CancellationToken cancellationToken = default);
}

/// <summary>
/// The member id under which a node replies for a device it answers for
/// (<see cref="AnsweringDevice"/>): the first eight octets, big-endian, of the SHA-256 of the
/// UTF-8 text <c>NODE/KIND/DEVICE</c>, where NODE is the node's source id as 16 lowercase hex
/// digits, KIND the adapter kind (<c>iec61850</c>) and DEVICE the device's name. Stable for as
/// long as the node keeps its source id, distinct per device, and never the node's own id or 0 (such a hash
/// moves to the next value).
/// </summary>
public static class DeviceMemberId
{
    /// <summary>The member id of <paramref name="device"/> of the <paramref name="kind"/> side of the node <paramref name="nodeId"/>.</summary>
    public static ulong Of(ulong nodeId, string kind, string device)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentException.ThrowIfNullOrEmpty(device);
        var text = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{nodeId:x16}/{kind}/{device}");
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text), hash);
        var id = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(hash);

        // A one in 2^64 hit on the node's own id or on 0 (no source's id) moves to the next value.
        while (id == 0 || id == nodeId)
        {
            id = unchecked(id + 1);
        }

        return id;
    }
}
