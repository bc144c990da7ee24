using Bridge.Multicast;

namespace Bridge.Testing;

/// <summary>Waiting for what a group socket receives, with a deadline instead of a sleep.</summary>
public static class GroupReceiving
{
    /// <summary>How long tests wait for a message unless they say otherwise.</summary>
    public static readonly TimeSpan DefaultPatience = TimeSpan.FromSeconds(10);

    /// <summary>The next <paramref name="count"/> messages; throws when the deadline passes first.</summary>
    public static async Task<List<GroupMessage>> TakeAsync(this MulticastSocket socket, int count, TimeSpan? patience = null)
    {
        ArgumentNullException.ThrowIfNull(socket);
        using var timeout = new CancellationTokenSource(patience ?? DefaultPatience);
        var messages = new List<GroupMessage>(count);
        await foreach (var message in socket.ReceiveAsync(timeout.Token))
        {
            messages.Add(message);
            if (messages.Count == count)
            {
                return messages;
            }
        }

        throw new InvalidOperationException($"the socket closed after {messages.Count} of {count} message(s)");
    }

    /// <summary>The next message; throws when the deadline passes first.</summary>
    public static async Task<GroupMessage> FirstAsync(this MulticastSocket socket, TimeSpan? patience = null)
        => (await socket.TakeAsync(1, patience))[0];
}
