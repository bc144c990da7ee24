using Bridge.Lab.Underlays;

namespace Bridge.Lab.Placement;

/// <summary>One of the paper's setups: which backbone, how many sites and group nodes.</summary>
/// <param name="Name">Short name ("DE", "EU").</param>
/// <param name="Topology">The embedded topology (<see cref="UnderlayLoader.EmbeddedNames"/>).</param>
/// <param name="Sites">Number of sites, each at a different backbone node.</param>
/// <param name="Nodes">Number of group nodes (receivers), spread evenly over the sites.</param>
public sealed record LabSetup(string Name, string Topology, int Sites, int Nodes)
{
    /// <summary>National: 30 nodes at 15 sites on DFN.</summary>
    public static LabSetup De { get; } = new("DE", UnderlayLoader.Dfn, 15, 30);

    /// <summary>Continental: 60 nodes at 30 sites on GÉANT.</summary>
    public static LabSetup Eu { get; } = new("EU", UnderlayLoader.Geant2012, 30, 60);

    /// <summary>Loads this setup's backbone.</summary>
    public Underlay LoadUnderlay() => UnderlayLoader.LoadEmbedded(Topology);
}
