using Bridge.Lab.Routing;
using Bridge.Lab.Schemes;

namespace Bridge.Lab.Measurement;

/// <summary>
/// What one message sent to the whole group did, collected the same way for every scheme: the
/// underlay links each of its transmissions crossed (<see cref="LinkStress"/>), when each group
/// node received it, and how many copies the source itself sent.
/// </summary>
/// <remarks>
/// The unicast scheme fills it from the routes, the hybrid schemes from what the simulator carried;
/// both end in the same <see cref="SchemeResult"/>, so the schemes are measured by one rule.
/// A receiver that got the message twice, or not at all, is an error of the scheme, not a sample.
/// </remarks>
public sealed class MessageMeasurement
{
    private readonly TimeSpan?[] _delays;

    /// <summary>Starts measuring a message on a network with <paramref name="receivers"/> group nodes.</summary>
    public MessageMeasurement(Network network, int receivers)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfNegative(receivers);
        Stress = new LinkStress(network);
        _delays = new TimeSpan?[receivers];
    }

    /// <summary>Copies per link so far.</summary>
    public LinkStress Stress { get; }

    /// <summary>Copies the source sent so far.</summary>
    public int SenderCopies { get; private set; }

    /// <summary>Group nodes that have received the message.</summary>
    public int Received { get; private set; }

    /// <summary>Whether every group node has received it.</summary>
    public bool Complete => Received == _delays.Length;

    /// <summary>Records a transmission along <paramref name="links"/>; <paramref name="bySource"/> when the source itself sent it.</summary>
    public void Transmission(IEnumerable<NetworkLink> links, bool bySource = false)
    {
        Stress.Record(links);
        if (bySource)
        {
            SenderCopies++;
        }
    }

    /// <summary>Records that group node <paramref name="node"/> received the message <paramref name="delay"/> after it was sent.</summary>
    /// <exception cref="InvalidOperationException">The node had received it already.</exception>
    public void Receive(int node, TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(node);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(node, _delays.Length);
        if (_delays[node] is not null)
        {
            throw new InvalidOperationException($"group node {node} received the message twice");
        }

        _delays[node] = delay;
        Received++;
    }

    /// <summary>The result under a scheme's name.</summary>
    /// <exception cref="InvalidOperationException">A group node did not receive the message.</exception>
    public SchemeResult ToResult(string scheme)
    {
        var missing = Array.FindIndex(_delays, d => d is null);
        if (missing >= 0)
        {
            throw new InvalidOperationException($"{scheme}: group node {missing} did not receive the message ({_delays.Length - Received} of {_delays.Length} missing)");
        }

        return new SchemeResult(scheme, [.. _delays.Select(d => d!.Value)], Stress, SenderCopies);
    }
}
