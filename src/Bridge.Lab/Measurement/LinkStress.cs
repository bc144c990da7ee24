using System.Collections.Immutable;
using Bridge.Lab.Routing;

namespace Bridge.Lab.Measurement;

/// <summary>
/// Link stress of one message: how many copies of it cross each link of a network.
/// </summary>
/// <remarks>
/// Record every transmission of the message (a unicast copy, an overlay hop, a native multicast
/// branch) as the path of links it crosses; each crossing adds one copy to that link. Links are
/// undirected, so copies crossing a link in both directions add up, as they share the link's
/// capacity in the sense the paper counts. Statistics are over the links used (at least one copy),
/// as in the paper: unused links would drag every scheme's mean towards zero.
/// </remarks>
public sealed class LinkStress
{
    private readonly Network _network;
    private readonly int[] _copies;

    public LinkStress(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        _network = network;
        _copies = new int[network.Links.Length];
    }

    /// <summary>Number of transmissions recorded.</summary>
    public int Transmissions { get; private set; }

    /// <summary>Copies on all links together (the message's total link crossings).</summary>
    public long TotalCopies { get; private set; }

    /// <summary>Records one transmission along a path.</summary>
    public void Record(NetworkPath path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Record(path.Links);
    }

    /// <summary>Records one transmission crossing the given links.</summary>
    public void Record(IEnumerable<NetworkLink> links)
    {
        ArgumentNullException.ThrowIfNull(links);
        foreach (var link in links)
        {
            if ((uint)link.Index >= (uint)_copies.Length || !ReferenceEquals(_network.Links[link.Index], link))
            {
                throw new ArgumentException($"link {link.Index} is not a link of this network", nameof(links));
            }

            _copies[link.Index]++;
            TotalCopies++;
        }

        Transmissions++;
    }

    /// <summary>Copies on one link.</summary>
    public int CopiesOn(NetworkLink link)
    {
        ArgumentNullException.ThrowIfNull(link);
        return _copies[link.Index];
    }

    /// <summary>Number of links with at least one copy.</summary>
    public int LinksUsed => _copies.Count(c => c > 0);

    /// <summary>The most copies on any link (0 when nothing was recorded).</summary>
    public int Max => _copies.Length == 0 ? 0 : _copies.Max();

    /// <summary>The links used and their copies, by link index.</summary>
    public ImmutableArray<(NetworkLink Link, int Copies)> Used =>
        [.. _network.Links.Where(l => _copies[l.Index] > 0).Select(l => (l, _copies[l.Index]))];

    /// <summary>Statistics of the copies over the links used.</summary>
    /// <exception cref="InvalidOperationException">No link was used.</exception>
    public Statistics Summary()
    {
        var used = _copies.Where(c => c > 0).ToArray();
        return used.Length == 0
            ? throw new InvalidOperationException("no transmission crossed a link")
            : Statistics.Of(used);
    }
}
