using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Bridge.Adapters.Iec61850.Goose;
using Bridge.Adapters.Iec61850.RGoose;
using Bridge.Adapters.Iec61850.RGoose.Security;
using Bridge.Testing;
using Bridge.Testing.Namespaces;
using Xunit.Abstractions;
using static Bridge.Host.Tests.RealHosts.GooseTunnelScenario;

namespace Bridge.Host.Tests.RealHosts;

/// <summary>
/// The GOOSE tunnel with R-GOOSE security on, end to end (issue 17), three <c>gridcast run</c>
/// nodes on one LAN sharing a key file: A captures substation A's GOOSE into group <c>trip</c>;
/// B re-emits <c>trip</c> as signed or encrypted R-GOOSE on the LAN; C takes that R-GOOSE in
/// (<c>in=rgoose</c>, verifying each SPDU) into group <c>verified</c>, which A re-emits on
/// substation A's LAN under APPID 0x2002. A forged and a replayed SPDU sent to C's group in
/// the middle of the run are refused and logged, and the real traffic keeps flowing.
/// </summary>
public sealed class GooseSecuredRGooseTests(ITestOutputHelper output)
{
    private const string RGooseGroup = "239.192.0.5:102";

    // Key 21 signs (HMAC-SHA256-128), key 22 encrypts (AES-128-GCM); both nodes hold both.
    private const string KeyFile = """
        # the secured R-GOOSE test's keys
        21  hmac-sha256-128  hex:000102030405060708090a0b0c0d0e0f
        22  aes-128-gcm      hex:101112131415161718191a1b1c1d1e1f
        """;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(21u, "BadSignature")]
    [InlineData(22u, "DecryptFailed")]
    public async Task Tunnel_SecuredRGooseBetweenNodes_VerifiedFramesFlowAndForgedOrReplayedAreRefused(uint sendKey, string forgedReason)
    {
        var tshark = Prerequisites.Command("tshark", "tshark", Purpose);
        Prerequisites.LinuxRoot(Purpose);
        using var lan = NamespaceLan.Create(3);
        var (hostA, hostB, hostC) = (lan.Hosts[0], lan.Hosts[1], lan.Hosts[2]);
        AddSubstationLanA(hostA);
        using var files = new TempDirectory();
        var keys = files.Write("rgoose.keys", KeyFile);
        var trip = $"ham:sg:goose.trip.{lan.Prefix}";
        var verified = $"ham:sg:goose.verified.{lan.Prefix}";
        var configA = files.Write("node-a.yaml", NodeA(trip, verified));
        var configB = files.Write("node-b.yaml", NodeFile("rgoose-b", "trip", trip, NamespaceLan.HostInterface, BridgeB(keys, sendKey)));
        var configC = files.Write("node-c.yaml", NodeFile("rgoose-c", "verified", verified, NamespaceLan.HostInterface, BridgeC(keys)));

        string[] fields = ["ip.src", "rgoose.key_id", "rgoose.spdu_num", "frame.protocols", "udp.payload"];
        await using var wireC = hostC.Start(tshark, ["-i", NamespaceLan.HostInterface, "-l", "-n", "-f", "udp port 102", "-T", "fields", "-E", "separator=|", .. fields.SelectMany(f => new[] { "-e", f })]);
        await using var wireA = hostA.Start(tshark, ["-i", "iedA", "-l", "-n", "-f", "ether proto 0x88b8", "-T", "fields", "-E", "separator=|", "-e", "goose.appid", "-e", "goose.gocbRef", "-e", "goose.stNum", "-e", "goose.integer"]);
        await wireC.WaitForLineAsync(l => l.Contains("Capture started", StringComparison.Ordinal), Patience);
        await wireA.WaitForLineAsync(l => l.Contains("Capture started", StringComparison.Ordinal), Patience);
        await using var nodeA = hostA.StartGridcast("run", "--config", configA);
        await using var nodeB = hostB.StartGridcast("run", "--config", configB);
        await using var nodeC = hostC.StartGridcast("run", "--config", configC);
        await WaitForSideAsync(nodeA, NodeEndA);
        await WaitForSideAsync(nodeB, NamespaceLan.HostInterface);
        await WaitForSideAsync(nodeC, NamespaceLan.HostInterface);

        // State 1 until it is back on A's LAN as APPID 0x2002 (all three nodes up and joined),
        // then states 2 to 6, each once the one before made the round.
        await using var publisher = await PublisherLoop.StartAsync(hostA.Name, "iedA", PublisherTiming, Values(1));
        await WaitForBackAsync(wireA, 1);
        for (var state = 2u; state <= 6; state++)
        {
            publisher.Publish(Values(state));
            await WaitForBackAsync(wireA, state);
        }

        // The attack, from host A on the LAN: an SPDU under key id sendKey but made with another
        // key, carrying a state of its own (integer -7), and a genuine SPDU of B's sent again.
        var genuine = RGooseLines(wireC).Where(l => l[0] == hostB.IPv4.ToString()).ToList();
        using (var attacker = NetworkNamespace.Run(hostA.Name, () => Attacker(hostA.IPv4)))
        {
            var group = IPEndPoint.Parse(RGooseGroup);
            attacker.SendTo(Forged(sendKey), group);
            attacker.SendTo(Convert.FromHexString(genuine[^1][4]), group);
        }

        await nodeC.WaitForLineAsync(l => l.Contains($"refused by R-GOOSE security ({forgedReason})", StringComparison.Ordinal), Patience);
        await nodeC.WaitForLineAsync(l => l.Contains("refused by R-GOOSE security (Replay)", StringComparison.Ordinal), Patience);
        for (var state = 7u; state <= 8; state++)
        {
            publisher.Publish(Values(state));
            await WaitForBackAsync(wireA, state);
        }

        // What B sent: every SPDU under the key configured, numbered from 1, read by tshark's
        // r-goose dissector without a malformed mark, and accepted by the security layer's
        // receiving path with the same key file (so it verified or decrypted).
        var sent = RGooseLines(wireC).Where(l => l[0] == hostB.IPv4.ToString()).ToList();
        output.WriteLine($"B's R-GOOSE: {sent.Count} SPDUs under key {sendKey}");
        Assert.All(RGooseLines(wireC), l => Assert.DoesNotContain("malformed", l[3], StringComparison.Ordinal));
        Assert.All(sent, l => Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"0x{sendKey:x8}"), l[1]));
        var numbers = sent.Select(l => uint.Parse(l[2], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(1, numbers.Count).Select(n => (uint)n), numbers);
        using var unprotector = new RGooseUnprotector(RGooseKeyFile.Parse(KeyFile, out _)!);
        Assert.All(sent, l =>
        {
            var datagram = Convert.FromHexString(l[4]);
            Assert.True(RGooseCodec.TryDecode(datagram, out var spdu, out var rejection), rejection.ToString());
            Assert.Equal(RGooseSecurityRejection.None, unprotector.Unprotect(DateTimeOffset.UtcNow, datagram, spdu, out var userData));
            var reader = new RGoosePayloadReader(userData);
            Assert.True(reader.TryRead(out var payload, out _));
            Assert.True(GooseCodec.TryDecode(payload.Apdu, out var apdu, out _));
            Assert.Equal((0x1001, GocbRef), (payload.AppId, apdu.GocbRef));
        });

        // What came back to A's LAN: A's control block through every state, never the forged one.
        var back = wireA.StandardOutput.Select(l => l.Split('|')).Where(f => f is [_, _, _, _] && f[0] == "0x2002").ToList();
        Assert.All(back, f => Assert.Equal(GocbRef, f[1]));
        Assert.Equal(Enumerable.Range(1, 8).Select(n => n.ToString(CultureInfo.InvariantCulture)), back.Select(f => f[2]).Distinct());
        Assert.DoesNotContain(back, f => f[3].Split(',').Contains("-7"));
    }

    private static Task<string> WaitForBackAsync(ExternalProcess wireA, uint state)
        => wireA.WaitForLineAsync(l => l.Split('|') is [var appId, _, var stNum, _] && appId == "0x2002" && stNum == state.ToString(CultureInfo.InvariantCulture), Patience);

    private static List<string[]> RGooseLines(ExternalProcess wire)
        => [.. wire.StandardOutput.Select(l => l.Split('|')).Where(f => f.Length == 5 && f[4].Length > 0)];

    private static string NodeA(string trip, string verified) => $"""
        node:
          id: rgoose-a
        groups:
          trip:
            uri: {trip}
          verified:
            uri: {verified}
        domain:
          interface: {NamespaceLan.HostInterface}
        bridge:
          goose:
            interface: {NodeEndA}
          rules:
            - name: trip-capture
              goose: appid={AppId} gocbRef={GocbRef}
              group: trip
              direction: to-group
            - name: verified-emit
              goose: appid=0x2002 dst=01-0C-CD-01-00-02
              group: verified
              direction: from-group
        """;

    private static string BridgeB(string keys, uint sendKey) => $"""
          goose:
            interface: {NamespaceLan.HostInterface}
            firstInterval: 150ms
            heartbeat: 150ms
            rgoose:
              destination: {RGooseGroup}
              ttl: 1
              keys: {keys}
              sendKey: {sendKey}
          rules:
            - name: trip-rgoose
              goose: appid={AppId} dst=01-0C-CD-01-00-01 out=rgoose
              group: trip
              direction: from-group
        """;

    private static string BridgeC(string keys) => $"""
          goose:
            interface: {NamespaceLan.HostInterface}
            rgoose:
              listen: {RGooseGroup}
              keys: {keys}
          rules:
            - name: trip-verified
              goose: appid={AppId} in=rgoose
              group: verified
              direction: to-group
        """;

    private static byte[] Forged(uint keyId)
    {
        var algorithm = keyId == 21 ? RGooseSecurityAlgorithm.HmacSha256With128 : RGooseSecurityAlgorithm.Aes128Gcm;
        using var forger = new RGooseProtector(new RGooseKeySet([new RGooseKey(keyId, algorithm, "not the group key"u8[..16])]));
        var publisher = new GoosePublisher(GocbRef, DatSet, null, 1);
        publisher.Publish(TimeSpan.Zero, UtcTime.FromDateTimeOffset(DateTimeOffset.UtcNow, 0x0a), [new GooseBoolean(true), new GooseInteger(-7)]);
        Assert.True(publisher.TryPollTransmit(out var transmit));
        var buffer = new byte[1024];
        Assert.True(forger.TryProtect(DateTimeOffset.UtcNow, 1_000_000, 0x1001, false, transmit.Apdu.Span, buffer, out var layout));
        return buffer[..layout.Length];
    }

    private static Socket Attacker(IPAddress address)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(address, 0));
        socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, address.GetAddressBytes());
        socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 1);
        return socket;
    }
}
