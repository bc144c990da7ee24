using System.Net;
using Bridge.Testing;
using Bridge.Testing.Namespaces;

namespace Bridge.Host.Tests.RealHosts;

/// <summary>A gateway of a namespace test: its node id (its certificate's CN) and the host it runs on.</summary>
internal sealed record GatewayHost(string Id, NamespaceHost Host)
{
    /// <summary>The port every transit gateway of these tests listens on.</summary>
    public const int OverlayPort = 7946;

    public IPEndPoint OverlayAddress => new(Host.IPv4, OverlayPort);
}

/// <summary>
/// What <c>gridcast run --config</c> needs for the gateways of a namespace test: certificates
/// from <c>gridcast certs</c> and node files (docs/configuration.md), with short timers so that
/// failures are noticed within a second: hellos every 50 ms, hold time 200 ms, and by default a
/// heartbeat every 100 ms and a link dead after 500 ms of silence.
/// </summary>
internal static class GatewayFiles
{
    /// <summary>How long a silent link lives by default (<c>gateway.heartbeat.deadAfter</c>).</summary>
    public const string DefaultDeadAfter = "500ms";

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>A CA and a certificate for each gateway in <paramref name="directory"/>, valid for its host's address.</summary>
    public static async Task MakeCertificatesAsync(string directory, string authority, IEnumerable<GatewayHost> gateways)
    {
        await RunCliAsync("certs", "ca", "--out", directory, "--name", authority);
        foreach (var gateway in gateways)
        {
            // A dialling gateway checks the peer's address against its certificate.
            await RunCliAsync("certs", "node", gateway.Id, "--ca", directory, "--out", directory, "--ip", gateway.Host.IPv4.ToString());
        }
    }

    /// <summary>
    /// The node file of a transit gateway carrying <paramref name="group"/>; a peer with <c>Dial</c>
    /// gets its address, the others are only accepted. <paramref name="extra"/> adds keys: lines for
    /// the <c>domain</c> and <c>gateway</c> sections (two spaces in) and whole sections at the end.
    /// </summary>
    public static void WriteTransit(string directory, GatewayHost gateway, string group, IEnumerable<(GatewayHost Peer, bool Dial)> peers, bool learnMembers, bool acceptLeaves, string deadAfter = DefaultDeadAfter, NodeFileExtra? extra = null)
    {
        var peerLines = string.Concat(peers.Select(p => p.Dial
            ? $"    - id: {p.Peer.Id}\n      address: {p.Peer.OverlayAddress}\n"
            : $"    - id: {p.Peer.Id}\n"));
        Write(directory, gateway, group, deadAfter, $"""
              role: transit
              carry: [stream]
              learnMembers: {(learnMembers ? "true" : "false")}
              listen: {gateway.OverlayAddress}
            {Tls(gateway)}
              peers:
            {peerLines.TrimEnd('\n')}
              acceptLeaves: {(acceptLeaves ? "true" : "false")}
            """, extra);
    }

    /// <summary>The node file of a leaf gateway carrying <paramref name="group"/>, with <paramref name="upstreams"/> in the order of preference.</summary>
    public static void WriteLeaf(string directory, GatewayHost leaf, string group, IEnumerable<GatewayHost> upstreams, string deadAfter = DefaultDeadAfter)
    {
        var upstreamLines = string.Concat(upstreams.Select(u => $"    - id: {u.Id}\n      address: {u.OverlayAddress}\n"));
        Write(directory, leaf, group, deadAfter, $"""
              role: leaf
              carry: [stream]
            {Tls(leaf)}
              upstreams:
            {upstreamLines.TrimEnd('\n')}
            """);
    }

    /// <summary>Where <see cref="WriteTransit"/> and <see cref="WriteLeaf"/> put the node file of <paramref name="gateway"/>.</summary>
    public static string ConfigPath(string directory, GatewayHost gateway) => Path.Combine(directory, gateway.Id + ".yaml");

    private static string Tls(GatewayHost gateway) => $"""
          tls:
            certificate: {gateway.Id}.crt
            key: {gateway.Id}.key
            authority: ca.crt
        """;

    private static void Write(string directory, GatewayHost gateway, string group, string deadAfter, string role, NodeFileExtra? extra = null)
        => File.WriteAllText(ConfigPath(directory, gateway), $"""
            node:
              id: {gateway.Id}
            groups:
              stream:
                uri: {group}
            domain:
              interface: {RoutedDomains.HostInterface}
            {extra?.Domain}
            gateway:
            {role}
              heartbeat:
                interval: 100ms
                deadAfter: {deadAfter}
              election:
                helloInterval: 50ms
                holdTime: 200ms
            {extra?.Gateway}
            {extra?.Sections}

            """);

    private static async Task RunCliAsync(params string[] arguments)
    {
        var (code, process) = await GridcastCli.RunAsync(Patience, arguments);
        await using var _ = process;
        Assert.True(code == 0, process.Transcript());
    }
}

/// <summary>Keys a node file of <see cref="GatewayFiles"/> gets besides the usual: lines of the <c>domain</c> and <c>gateway</c> sections, and whole sections.</summary>
/// <param name="Domain">Lines of <c>domain</c>, each indented by two spaces.</param>
/// <param name="Gateway">Lines of <c>gateway</c>, each indented by two spaces.</param>
/// <param name="Sections">Top-level sections.</param>
internal sealed record NodeFileExtra(string Domain = "", string Gateway = "", string Sections = "");
