using System.Collections.Concurrent;
using Bridge.Core.Mapping;
using Bridge.Multicast;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;

namespace Bridge.Host.Bridging;

/// <summary>
/// The sending side of last-value groups: passes every message on to the multicast layer and
/// keeps the latest retained (last-value) message this bridge sent to each group whose
/// <c>lastValue</c> is on, so <see cref="RepeatDueAsync"/> can send it again every refresh
/// interval. Multicast keeps no state for a late joiner; the repetition is what lets a bridge
/// that joins later publish the current value within one interval.
/// </summary>
internal sealed class LastValueRepeater(IGroupSender inner, TimeProvider time) : IGroupSender
{
    private readonly ConcurrentDictionary<GroupName, Latest> _latest = new();
    private IReadOnlyList<(GroupTemplate Group, TimeSpan Refresh)> _refresh = [];

    /// <summary>How often to call <see cref="RepeatDueAsync"/>: a quarter of the shortest refresh, at least 10 ms; null when no group repeats.</summary>
    public TimeSpan? CheckInterval
    {
        get
        {
            var refresh = Volatile.Read(ref _refresh);
            return refresh.Count == 0 ? null : TimeSpan.FromTicks(Math.Max(refresh.Min(r => r.Refresh).Ticks / 4, TimeSpan.FromMilliseconds(10).Ticks));
        }
    }

    /// <summary>Replaces the groups that repeat and their intervals; values of groups no longer listed are forgotten.</summary>
    public void Use(IReadOnlyList<(GroupTemplate Group, TimeSpan Refresh)> refresh)
    {
        Volatile.Write(ref _refresh, refresh);
        foreach (var group in _latest.Keys.Where(g => RefreshOf(g) is null))
        {
            _latest.TryRemove(group, out _);
        }
    }

    /// <inheritdoc/>
    public ValueTask SendAsync(GroupName group, ReadOnlyMemory<byte> payload, ContentType contentType, CancellationToken cancellationToken = default)
        => SendAsync(group, payload, contentType, lastValue: false, cancellationToken);

    /// <inheritdoc/>
    public async ValueTask SendAsync(GroupName group, ReadOnlyMemory<byte> payload, ContentType contentType, bool lastValue, CancellationToken cancellationToken = default)
    {
        // Every message of a last-value group is its latest state, retained at the source or not:
        // an MQTT 3.1.1 broker clears RETAIN on live deliveries, so a new tariff would otherwise
        // reach the group as a plain message and the old one be repeated to late joiners.
        var keep = RefreshOf(group) is not null;
        await inner.SendAsync(group, payload, contentType, lastValue || keep, cancellationToken);
        if (keep)
        {
            _latest[group] = new Latest(payload.ToArray(), contentType, time.GetTimestamp());
        }
    }

    /// <summary>Sends again each kept value whose refresh interval has passed since it was last sent; returns how many.</summary>
    public async ValueTask<int> RepeatDueAsync(CancellationToken cancellationToken)
    {
        var repeated = 0;
        foreach (var (group, latest) in _latest)
        {
            if (RefreshOf(group) is { } refresh && time.GetElapsedTime(latest.SentAt) >= refresh)
            {
                await inner.SendAsync(group, latest.Payload, latest.ContentType, lastValue: true, cancellationToken);

                // Unless a newer value came meanwhile, this one was just sent.
                _latest.TryUpdate(group, latest with { SentAt = time.GetTimestamp() }, latest);
                repeated++;
            }
        }

        return repeated;
    }

    private TimeSpan? RefreshOf(GroupName group)
    {
        foreach (var (template, refresh) in Volatile.Read(ref _refresh))
        {
            if (template.TryMatch(group, out _))
            {
                return refresh;
            }
        }

        return null;
    }

    private sealed record Latest(byte[] Payload, ContentType ContentType, long SentAt);
}
