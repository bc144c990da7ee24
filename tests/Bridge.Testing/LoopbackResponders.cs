using System.Globalization;
using System.Text.Json;
using Bridge.Core.Adapters;
using Bridge.Multicast;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports.Ip;

namespace Bridge.Testing;

/// <summary>
/// Devices on loopback multicast: each a real <see cref="MulticastSocket"/> joined to the group,
/// answering every request with its own value, as <c>gridcast respond</c> does.
/// </summary>
public sealed class LoopbackResponders : IAsyncDisposable
{
    private readonly List<MulticastSocket> _sockets = [];
    private readonly List<Task> _loops = [];
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Opens one device per value on <paramref name="network"/>, each a member of <paramref name="group"/> answering with its value.</summary>
    public LoopbackResponders(MulticastInterface network, GroupName group, IReadOnlyList<double> values)
    {
        foreach (var value in values)
        {
            var socket = MulticastSocket.Create(network);
            socket.Join(group);
            _sockets.Add(socket);
            _loops.Add(AnswerAsync(socket, value, _stopping.Token));
        }
    }

    /// <summary>Stops answering and closes the devices' sockets.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_loops);
        foreach (var socket in _sockets)
        {
            await socket.DisposeAsync();
        }

        _stopping.Dispose();
    }

    private static async Task AnswerAsync(MulticastSocket socket, double value, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var request in socket.RequestsAsync(cancellationToken))
            {
                await socket.ReplyAsync(request, value, cancellationToken: cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }
}

/// <summary>
/// The bridge's "ask" door over a real socket, as the host's requester is: asks the group through
/// <see cref="MulticastSocket.RequestAsync"/> and answers with the result's JSON fields
/// (those of <c>gridcast request --json</c> the adapters read: count, sum, min, max, mean).
/// </summary>
public sealed class SocketRequester(MulticastSocket socket) : IGroupRequester
{
    /// <inheritdoc/>
    public async ValueTask<GroupAnswer> AskAsync(GroupRequest request, CancellationToken cancellationToken = default)
    {
        var spec = request.Spec.Aggregation ?? new AggregationSpec { Functions = AggregateFunctions.Count | AggregateFunctions.Sum };
        var result = await socket.RequestAsync(request.Group, spec, request.Deadline, cancellationToken);
        var json = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
        {
            ["requestId"] = result.RequestId.ToString("x16", CultureInfo.InvariantCulture),
            ["group"] = request.Group.Canonical,
            ["count"] = result.Count,
            ["sum"] = result.Sum,
            ["min"] = result.Count > 0 ? result.Min : null,
            ["max"] = result.Count > 0 ? result.Max : null,
            ["mean"] = result.Mean,
            ["contributors"] = result.Contributors,
        });
        return new GroupAnswer(json, (int)result.Contributors, 0, (int)result.Late);
    }
}
