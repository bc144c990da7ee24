using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Routing;

namespace Bridge.Multicast.Overlay.Gateway.Upstreams;

/// <summary>
/// A leaf's return to its preferred upstream (the active one) from <see cref="Previous"/>, which
/// is still asked for the groups it holds: each unconfirmed one until <paramref name="until"/>,
/// each confirmed one until its own release time.
/// </summary>
internal sealed class UpstreamReturn(GatewayId previous, TimeSpan started, TimeSpan until, IEnumerable<GroupName> groups)
{
    /// <summary>The groups the previous upstream holds: null while unconfirmed, else when it lets the group go.</summary>
    private readonly Dictionary<GroupName, TimeSpan?> _held = groups.ToDictionary(static g => g, static _ => (TimeSpan?)null);

    public GatewayId Previous { get; } = previous;

    public TimeSpan Started { get; } = started;

    /// <summary>Groups the preferred upstream delivered.</summary>
    public int Confirmed { get; private set; }

    /// <summary>Groups let go unconfirmed when the return time ended.</summary>
    public int TimedOut { get; private set; }

    public bool IsEmpty => _held.Count == 0;

    public IEnumerable<GroupName> Unconfirmed => _held.Where(static h => h.Value is null).Select(static h => h.Key);

    /// <summary>When <see cref="Release"/> next has something to do; computed when the held groups change, not when the timer table is read.</summary>
    public TimeSpan? NextDeadline
    {
        get
        {
            TimeSpan? next = null;
            foreach (var release in _held.Values)
            {
                var due = release ?? until;
                next = next is { } earlier && earlier <= due ? earlier : due;
            }

            return next;
        }
    }

    public bool Holds(GroupName group) => _held.ContainsKey(group);

    /// <summary>Confirms <paramref name="group"/> if it waited for it, to be let go at <paramref name="release"/>; whether it did.</summary>
    public bool Confirm(GroupName group, TimeSpan release)
    {
        if (!_held.TryGetValue(group, out var state) || state is not null)
        {
            return false;
        }

        _held[group] = release;
        Confirmed++;
        return true;
    }

    /// <summary>Lets go of every group whose time is over; whether any.</summary>
    public bool Release(TimeSpan now)
    {
        var due = _held.Where(h => (h.Value ?? until) <= now).ToList();
        foreach (var (group, release) in due)
        {
            _held.Remove(group);
            TimedOut += release is null ? 1 : 0;
        }

        return due.Count > 0;
    }

    /// <summary>The interest changed to <paramref name="interest"/>: groups no longer wanted are dropped, <paramref name="added"/> ones wait for confirmation.</summary>
    public void Follow(IReadOnlyCollection<GroupName> interest, IEnumerable<GroupName> added)
    {
        foreach (var group in _held.Keys.Where(g => !interest.Contains(g)).ToList())
        {
            _held.Remove(group);
        }

        foreach (var group in added)
        {
            _held.TryAdd(group, null);
        }
    }

    public GroupName[] HeldInOrder() => [.. _held.Keys.OrderBy(static g => g.WireName, StringComparer.Ordinal)];
}
