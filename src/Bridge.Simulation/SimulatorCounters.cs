namespace Bridge.Simulation;

/// <summary>What the network of a <see cref="Simulator"/> did, counted per receiver.</summary>
public sealed class SimulatorCounters
{
    /// <summary>Events processed (deliveries, drops on arrival, timeouts, scheduled actions).</summary>
    public long Events { get; internal set; }

    /// <summary>Datagrams nodes handed over, whatever became of them.</summary>
    public long Transmits { get; internal set; }

    /// <summary>Copies handed to a receiving node.</summary>
    public long Deliveries { get; internal set; }

    /// <summary>Datagrams lost by a link or domain.</summary>
    public long Lost { get; internal set; }

    /// <summary>Losses a reliable link recovered by sending again (<see cref="LinkConditions.RetransmitAfter"/>).</summary>
    public long Retransmitted { get; internal set; }

    /// <summary>Second copies scheduled.</summary>
    public long Duplicated { get; internal set; }

    /// <summary>Copies held back by the reordering delay.</summary>
    public long Reordered { get; internal set; }

    /// <summary>Datagrams dropped because of a cut or an isolated node.</summary>
    public long PartitionDrops { get; internal set; }

    /// <summary>Datagrams with no link to their receiver, or sent to a domain by a non-member.</summary>
    public long NoRouteDrops { get; internal set; }

    /// <summary>Datagrams whose receiver left the domain before they arrived.</summary>
    public long DetachedDrops { get; internal set; }

    /// <summary>Node timers that fired.</summary>
    public long Timeouts { get; internal set; }
}
