using System.Collections.Concurrent;
using Bridge.Lab.Placement;
using Bridge.Lab.Schemes;

namespace Bridge.Lab.Tests.Schemes;

/// <summary>Runs of the paper's setups shared by the hybrid tests, each made once (a run is a whole simulation).</summary>
public sealed class HybridRuns
{
    private readonly ConcurrentDictionary<(string Setup, int Seed), LabNetwork> _labs = new();
    private readonly ConcurrentDictionary<(string Setup, int Seed, HybridDeployment Deployment), HybridRun> _runs = new();

    public static LabSetup SetupOf(string name) => name == "DE" ? LabSetup.De : LabSetup.Eu;

    public LabNetwork Lab(string setup, int seed) => _labs.GetOrAdd((setup, seed), k => LabNetwork.ForSetup(SetupOf(k.Setup), k.Seed));

    public HybridRun Run(string setup, int seed, HybridDeployment deployment) =>
        _runs.GetOrAdd((setup, seed, deployment), k => HybridScheme.Run(Lab(k.Setup, k.Seed), k.Deployment, k.Seed));
}
