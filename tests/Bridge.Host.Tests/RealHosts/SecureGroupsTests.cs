using System.Security.Cryptography;
using Bridge.Multicast.Security.Keys;
using Bridge.Testing;
using Bridge.Testing.Namespaces;

using static Bridge.Host.Tests.RealHosts.SubOutput;

namespace Bridge.Host.Tests.RealHosts;

/// <summary>
/// Secured groups between real hosts (network namespaces on one Linux bridge, kernel multicast,
/// <c>gridcast pub</c> and <c>sub --keys</c>): a forged command, a replayed command and a frame
/// made with a stale key are refused and counted by reason while the real traffic flows; a key
/// rotation in the middle of a stream loses nothing; a member of a signed group, holding its
/// receive keys, cannot produce a command another member takes.
/// </summary>
/// <remarks>
/// Absence is shown against a witness, as in <see cref="FourHostsTests"/>: a genuine message sent
/// after the refused ones, through the same socket, so once it is printed the others were handled.
/// </remarks>
public sealed class SecureGroupsTests
{
    private const string Group = "ham:ip:239.1.7.1:5000";
    private const string SubTimeout = "45";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Sub_ForgedReplayedAndStaleKeyFrames_RefusedAndCountedWhileGenuineOnesArrive()
    {
        using var lan = NamespaceLan.Create(3);
        using var files = new TempDirectory();
        var (headEnd, member, attacker) = (lan.Hosts[0], lan.Hosts[1], lan.Hosts[2]);
        var now = DateTimeOffset.UtcNow;
        var genuine = Symmetric(1, now.AddHours(-1), now.AddHours(1), seed: 1);
        var retired = Symmetric(7, now.AddDays(-2), now.AddDays(-1), seed: 7);
        var receiverKeys = Write(files, "member.json", Shared(retired, genuine));
        var headEndKeys = Write(files, "headend.json", Shared(genuine, next: null));
        // The forger guesses the key id but not the secret; the stale sender still has key 7 as
        // if it were valid, because its key file was never rotated.
        var forgedKeys = Write(files, "forged.json", Shared(Symmetric(1, now.AddHours(-1), now.AddHours(1), seed: 99), next: null));
        var staleKeys = Write(files, "stale.json", Shared(retired with { NotAfter = now.AddDays(1) }, next: null));
        var capture = files.Write("replay.py", ReplayScript);

        await using var sub = member.StartGridcast(["sub", Group, "--keys", receiverKeys, "--count", "2", "--json", "--interface", member.Interface, "--timeout", SubTimeout]);
        await sub.WaitForLineAsync(l => l == $"subscribed to {Group} on {member.Interface}", Patience);
        await using var replayer = attacker.Start(Prerequisites.Python3("replaying a captured datagram"), ["-u", capture, attacker.IPv4.ToString(), "239.1.7.1", "5000"]);
        await replayer.WaitForLineAsync(l => l == "listening", Patience);

        await PublishAsync(headEnd, headEndKeys, "shed 10%");
        await sub.WaitForLineAsync(Carrying("shed 10%"), Patience);
        await replayer.WaitForLineAsync(l => l == "captured", Patience);
        await replayer.WriteLineAsync("replay");
        await replayer.WaitForLineAsync(l => l == "replayed", Patience);
        await PublishAsync(attacker, forgedKeys, "shed 100%");
        await PublishAsync(attacker, staleKeys, "open all breakers");
        await PublishAsync(headEnd, headEndKeys, "restore");

        Assert.True(await sub.WaitForExitAsync(Patience) == 0, sub.Transcript());
        Assert.Equal(["shed 10%", "restore"], Messages(sub).Select(m => m.GetProperty("payload").GetString()));
        Assert.Contains("security: 2 verified, 3 refused (KeyExpired 1, BadTag 1, Replayed 1)", sub.StandardError);
    }

    [Fact]
    public async Task Pub_KeyFileRotatedMidStream_FullReceiverGetsEveryMessageAndOneWithoutTheNextKeyOnlyThoseBefore()
    {
        const int Count = 100;
        using var lan = NamespaceLan.Create(3);
        using var files = new TempDirectory();
        var (sender, updated, outdated) = (lan.Hosts[0], lan.Hosts[1], lan.Hosts[2]);
        var now = DateTimeOffset.UtcNow;
        var first = Symmetric(1, now.AddHours(-1), now.AddHours(1), seed: 1);
        var second = Symmetric(2, now.AddHours(-1), now.AddHours(2), seed: 2);
        // Before the rotation the sender holds the first key only; the new file makes the second
        // key its next one, valid already, so the sender moves to it with the next message.
        var senderKeys = Write(files, "sender.json", Shared(first, next: null));
        var updatedKeys = Write(files, "updated.json", Shared(first, second));
        var outdatedKeys = Write(files, "outdated.json", Shared(first, next: null));

        await using var full = updated.StartGridcast(["sub", Group, "--keys", updatedKeys, "--count", $"{Count}", "--json", "--interface", updated.Interface, "--timeout", SubTimeout]);
        await using var partial = outdated.StartGridcast(["sub", Group, "--keys", outdatedKeys, "--json", "--interface", outdated.Interface, "--timeout", SubTimeout]);
        await full.WaitForLineAsync(l => l.StartsWith("subscribed to", StringComparison.Ordinal), Patience);
        await partial.WaitForLineAsync(l => l.StartsWith("subscribed to", StringComparison.Ordinal), Patience);

        await using var pub = sender.StartGridcast(["pub", Group, "tick", "--keys", senderKeys, "--repeat", $"{Count}", "--interval", "100", "--interface", sender.Interface]);
        await full.WaitForLineAsync(l => SequenceOf(l) >= 5, Patience);
        Write(files, "sender.json", Shared(first, second));
        await pub.WaitForLineAsync(l => l == $"reloaded keys for {Group}", Patience);
        Assert.True(await pub.WaitForExitAsync(Patience) == 0, pub.Transcript());
        Assert.True(await full.WaitForExitAsync(Patience) == 0, full.Transcript());

        // The witness: the outdated receiver takes a message made with the first key.
        await PublishAsync(sender, outdatedKeys, "witness");
        await partial.WaitForLineAsync(Carrying("witness"), Patience);
        await partial.WriteLineAsync("security");
        await partial.WaitForLineAsync(l => l.StartsWith("security:", StringComparison.Ordinal), Patience);

        Assert.Equal(Enumerable.Range(1, Count).Select(i => (ulong)i), Messages(full).Select(m => m.GetProperty("sequence").GetUInt64()));
        Assert.Contains($"security: {Count} verified, 0 refused", full.StandardError);
        var before = Messages(partial).Where(m => m.GetProperty("payload").GetString() == "tick").Select(m => m.GetProperty("sequence").GetUInt64()).ToList();
        Assert.InRange(before.Count, 5, Count - 1);
        Assert.Equal(Enumerable.Range(1, before.Count).Select(i => (ulong)i), before);
        var summary = $"security: {before.Count + 1} verified, {Count - before.Count} refused (UnknownKey {Count - before.Count})";
        Assert.True(partial.StandardError.Contains(summary), $"expected '{summary}'\n{partial.Transcript()}");
    }

    [Fact]
    public async Task Pub_SignedGroupMemberWithReceiveKeys_CannotMakeACommandAnotherMemberTakes()
    {
        using var lan = NamespaceLan.Create(3);
        using var files = new TempDirectory();
        var (headEnd, meter, neighbour) = (lan.Hosts[0], lan.Hosts[1], lan.Hosts[2]);
        var headEndKeys = files.Combine("headend.json");
        var memberKeys = files.Combine("members.json");
        await GridcastAsync(headEnd, "keys", "new", headEndKeys, "--group", Group, "--algorithm", "ecdsa-p256", "--signer", "headend");
        await GridcastAsync(headEnd, "keys", "public", headEndKeys, memberKeys);
        // What the meter can make at most: a key pair of its own under the head-end's name and id.
        var published = KeyFile.Read(File.ReadAllText(memberKeys), memberKeys).StoreOrThrow().ForGroup(Group)!.Rotations["headend"];
        using var own = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var impostor = published.Current with { PublicKey = own.ExportSubjectPublicKeyInfo(), PrivateKey = own.ExportPkcs8PrivateKey() };
        var forgedKeys = Write(files, "forged.json", new KeyRing(KeyScope.Group(Group), KeyAlgorithm.EcdsaP256, new Dictionary<string, KeyRotation> { ["headend"] = new(impostor, null) }));

        await using var sub = neighbour.StartGridcast(["sub", Group, "--keys", memberKeys, "--count", "1", "--json", "--interface", neighbour.Interface, "--timeout", SubTimeout]);
        await sub.WaitForLineAsync(l => l == $"subscribed to {Group} on {neighbour.Interface}", Patience);

        var (code, withReceiveKeys) = await meter.RunGridcastAsync(Patience, ["pub", Group, "open breaker", "--keys", memberKeys, "--interface", meter.Interface]);
        await using (withReceiveKeys)
        {
            Assert.True(code == 1, withReceiveKeys.Transcript());
            Assert.Contains(withReceiveKeys.StandardError, l => l.Contains("no key of its ring is valid now", StringComparison.Ordinal));
        }

        await PublishAsync(meter, forgedKeys, "open breaker");
        await PublishAsync(headEnd, headEndKeys, "close breaker");

        Assert.True(await sub.WaitForExitAsync(Patience) == 0, sub.Transcript());
        Assert.Equal(["close breaker"], Messages(sub).Select(m => m.GetProperty("payload").GetString()));
        Assert.Contains("security: 1 verified, 1 refused (BadTag 1)", sub.StandardError);
    }

    /// <summary>
    /// Joins the group on the host's address, prints <c>captured</c> with the first datagram, and
    /// sends that datagram back to the group, byte for byte, when told <c>replay</c>.
    /// </summary>
    private const string ReplayScript = """
        import socket, struct, sys
        local, group, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((group, port))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, struct.pack("4s4s", socket.inet_aton(group), socket.inet_aton(local)))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(local))
        print("listening")
        data, _ = s.recvfrom(65535)
        print("captured")
        if sys.stdin.readline().strip() == "replay":
            s.sendto(data, (group, port))
            print("replayed")
        """;

    private static SecurityKey Symmetric(uint id, DateTimeOffset notBefore, DateTimeOffset notAfter, byte seed) => new()
    {
        Id = new KeyId(id),
        Algorithm = KeyAlgorithm.HmacSha256Tag128,
        NotBefore = notBefore,
        NotAfter = notAfter,
        Secret = SHA256.HashData([seed]),
    };

    private static KeyRing Shared(SecurityKey current, SecurityKey? next) =>
        new(KeyScope.Group(Group), current.Algorithm, new Dictionary<string, KeyRotation> { [KeyRing.SharedSigner] = new(current, next) });

    /// <summary>Writes a key file holding <paramref name="ring"/>, replaced whole as an operator's copy would be, so a running reader never sees half a file.</summary>
    private static string Write(TempDirectory files, string name, KeyRing ring)
    {
        var path = files.Combine(name);
        File.WriteAllText(path + ".tmp", KeyFile.Write(new KeyStore([ring])));
        File.Move(path + ".tmp", path, overwrite: true);
        return path;
    }

    private static async Task PublishAsync(NamespaceHost host, string keys, string text)
    {
        var (code, pub) = await host.RunGridcastAsync(Patience, ["pub", Group, text, "--keys", keys, "--interface", host.Interface]);
        await using var _ = pub;
        Assert.True(code == 0, pub.Transcript());
    }

    private static ulong SequenceOf(string line)
    {
        if (!line.StartsWith('{'))
        {
            return 0;
        }

        using var json = System.Text.Json.JsonDocument.Parse(line);
        return json.RootElement.GetProperty("sequence").GetUInt64();
    }

    private static async Task GridcastAsync(NamespaceHost host, params string[] arguments)
    {
        var (code, process) = await host.RunGridcastAsync(Patience, arguments);
        await using var _ = process;
        Assert.True(code == 0, process.Transcript());
    }
}
