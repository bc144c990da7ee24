using System.Text.Json;
using Bridge.Core.Adapters;
using Bridge.Host.Cli;
using Bridge.Host.Tools;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast;

namespace Bridge.Host.Bridging;

/// <summary>
/// The bridge's "ask" door (<see cref="AdapterContext.Requests"/>): asks a group through the
/// bridge's multicast socket and answers with the result JSON that <c>gridcast request --json</c>
/// prints, so a reply topic and the command show the same fields.
/// </summary>
internal sealed class SocketGroupRequester(MulticastSocket socket) : IGroupRequester
{
    /// <summary>What a request computes when it names nothing: the command's default.</summary>
    private static readonly AggregationSpec Default = new()
    {
        Functions = AggregateFunctions.Count | AggregateFunctions.Sum | AggregateFunctions.Min | AggregateFunctions.Max | AggregateFunctions.Mean,
    };

    /// <inheritdoc/>
    public async ValueTask<GroupAnswer> AskAsync(GroupRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var spec = request.Spec.Aggregation ?? Default;
        var result = await socket.RequestAsync(request.Group, spec, request.Deadline, cancellationToken);
        var printed = RequestResult.Of(request.Group, spec, result);
        return new GroupAnswer(
            JsonSerializer.SerializeToUtf8Bytes(printed, CliJson.Default.RequestResult),
            (int)Math.Min(result.Contributors, int.MaxValue),
            (int)Math.Min(printed.Missing ?? 0, int.MaxValue),
            (int)Math.Min(result.Late, int.MaxValue));
    }
}
