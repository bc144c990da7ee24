using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Bridge.Testing;
using Bridge.Testing.Namespaces;

using static Bridge.Host.Tests.RealHosts.SubOutput;

namespace Bridge.Host.Tests.RealHosts;

/// <summary>
/// <c>gridcast pub</c> and <c>gridcast sub</c> on separate hosts (network namespaces on one Linux
/// bridge), with real sockets and kernel multicast: delivery to every receiver over IPv4 and IPv6,
/// source-specific joins, leaving a group, and multicast loopback turned off.
/// </summary>
/// <remarks>
/// Absence ("never printed") is shown against a witness: after the message that must not arrive,
/// the same host sends a message that must, on a group the receiver has on the same port. Both
/// take the same path through the bridge into the same socket, so once the witness is printed the
/// first message would have been printed before it, had it been accepted.
/// </remarks>
public sealed class FourHostsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>Longer than any test waits, so a sub that is never stopped still ends.</summary>
    private const string SubTimeout = "45";

    [Theory]
    [InlineData("ham:ip:239.1.2.3:5000", AddressFamily.InterNetwork)]
    [InlineData("ham:ip:[ff15::1:2]:5000", AddressFamily.InterNetworkV6)]
    public async Task PubSub_OneSenderThreeReceiversOnOtherHosts_EachReceiverGetsEveryMessage(string group, AddressFamily family)
    {
        using var lan = NamespaceLan.Create(4);
        var sender = lan.Hosts[0];
        await using var first = StartSub(lan.Hosts[1], [group], "--count", "3");
        await using var second = StartSub(lan.Hosts[2], [group], "--count", "3");
        await using var third = StartSub(lan.Hosts[3], [group], "--count", "3");
        ExternalProcess[] receivers = [first, second, third];
        await Task.WhenAll(receivers.Select((sub, i) => SubscribedAsync(sub, group, lan.Hosts[i + 1])));

        // The sender names its interface by address, the receivers by name: the CLI takes both.
        var pubOutput = await PublishAsync(sender, sender.Address(family).ToString(), group, "tariff RTP: 0.21 EUR/kWh from 14:00", "--repeat", "3");

        foreach (var sub in receivers)
        {
            Assert.True(await sub.WaitForExitAsync(Patience) == 0, sub.Transcript());
            var messages = Messages(sub);
            Assert.Equal([1UL, 2UL, 3UL], messages.Select(m => m.GetProperty("sequence").GetUInt64()));
            Assert.All(messages, m =>
            {
                Assert.Equal(group, m.GetProperty("group").GetString());
                Assert.Equal("tariff RTP: 0.21 EUR/kWh from 14:00", m.GetProperty("payload").GetString());
                Assert.Equal(sender.Address(family), IPAddress.Parse(m.GetProperty("from").GetString()!));
            });
            var source = Assert.Single(messages.Select(m => m.GetProperty("source").GetString()).Distinct());
            Assert.Contains(pubOutput, l => l.Contains($"as source {source}", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("ham:ip:232.1.2.3@{0}:5000", "ham:ip:239.1.2.4:5000", AddressFamily.InterNetwork)]
    [InlineData("ham:ip:[ff3e::1:2]@[{0}]:5000", "ham:ip:[ff15::1:4]:5000", AddressFamily.InterNetworkV6)]
    public async Task Sub_SourceSpecificGroupWithTwoSenders_HearsOnlyTheSourceInItsName(string channelPattern, string witnessGroup, AddressFamily family)
    {
        using var lan = NamespaceLan.Create(3);
        var (source, other, receiverHost) = (lan.Hosts[0], lan.Hosts[1], lan.Hosts[2]);
        var channel = string.Format(CultureInfo.InvariantCulture, channelPattern, source.Address(family));
        await using var receiver = StartSub(receiverHost, [channel, witnessGroup]);
        await SubscribedAsync(receiver, channel, receiverHost);
        await SubscribedAsync(receiver, witnessGroup, receiverHost);

        // The other host sends under the very same name, so only the source-specific join (the
        // source address, not the name in the frame) can keep it out.
        await PublishAsync(other, other.Interface, channel, "from the other sender");
        await PublishAsync(other, other.Interface, witnessGroup, "witness from the other sender");
        await PublishAsync(source, source.Interface, channel, "from the named source");
        await receiver.WaitForLineAsync(Carrying("witness from the other sender"), Patience);
        await receiver.WaitForLineAsync(Carrying("from the named source"), Patience);

        var messages = Messages(receiver);
        Assert.DoesNotContain(messages, m => m.GetProperty("payload").GetString() == "from the other sender");
        var fromSource = Assert.Single(messages, m => m.GetProperty("group").GetString() == channel);
        Assert.Equal(source.Address(family), IPAddress.Parse(fromSource.GetProperty("from").GetString()!));
    }

    [Fact]
    public async Task Sub_LeaveOneOfTwoGroups_StopsReceivingItWhileTheOtherGroupAndOtherHostsStillDo()
    {
        // One port for both groups, so both arrive through one socket in the order sent.
        const string left = "ham:ip:239.1.2.3:5000";
        const string kept = "ham:ip:239.1.2.4:5000";
        using var lan = NamespaceLan.Create(3);
        var (sender, leaverHost, stayerHost) = (lan.Hosts[0], lan.Hosts[1], lan.Hosts[2]);
        await using var leaver = StartSub(leaverHost, [left, kept]);
        await using var stayer = StartSub(stayerHost, [left]);
        await SubscribedAsync(leaver, left, leaverHost);
        await SubscribedAsync(leaver, kept, leaverHost);
        await SubscribedAsync(stayer, left, stayerHost);

        await PublishAsync(sender, sender.Interface, left, "before leaving");
        await leaver.WaitForLineAsync(Carrying("before leaving"), Patience);
        await leaver.WriteLineAsync($"leave {left}");
        await leaver.WaitForLineAsync(l => l == $"left {left}", Patience);

        await PublishAsync(sender, sender.Interface, left, "after leaving");
        await PublishAsync(sender, sender.Interface, kept, "on the kept group");
        await leaver.WaitForLineAsync(Carrying("on the kept group"), Patience);
        // It was on the wire: a host that did not leave got it.
        await stayer.WaitForLineAsync(Carrying("after leaving"), Patience);

        Assert.Equal(
            ["before leaving", "on the kept group"],
            Messages(leaver).Select(m => m.GetProperty("payload").GetString()));
    }

    [Fact]
    public async Task Pub_NoLoopback_ReceiversOnItsOwnHostDoNotHearItOthersDo()
    {
        const string group = "ham:ip:239.1.2.5:5000";
        using var lan = NamespaceLan.Create(2);
        var (senderHost, otherHost) = (lan.Hosts[0], lan.Hosts[1]);
        await using var local = StartSub(senderHost, [group]);
        await using var remote = StartSub(otherHost, [group]);
        await SubscribedAsync(local, group, senderHost);
        await SubscribedAsync(remote, group, otherHost);

        await PublishAsync(senderHost, senderHost.Interface, group, "not looped back", "--no-loopback");
        await PublishAsync(senderHost, senderHost.Interface, group, "looped back");
        await local.WaitForLineAsync(Carrying("looped back"), Patience);
        await remote.WaitForLineAsync(Carrying("looped back"), Patience);

        Assert.Equal(["looped back"], Messages(local).Select(m => m.GetProperty("payload").GetString()));
        Assert.Equal(["not looped back", "looped back"], Messages(remote).Select(m => m.GetProperty("payload").GetString()));
    }

    /// <summary>Starts <c>gridcast sub</c> with JSON output on <paramref name="host"/>'s interface into the LAN.</summary>
    private static ExternalProcess StartSub(NamespaceHost host, IEnumerable<string> groups, params string[] options)
        => host.StartGridcast(["sub", .. groups, "--interface", host.Interface, "--timeout", SubTimeout, "--json", .. options]);

    private static Task<string> SubscribedAsync(ExternalProcess sub, string group, NamespaceHost host)
        => sub.WaitForLineAsync(l => l == $"subscribed to {group} on {host.Interface}", Patience);

    /// <summary>Runs <c>gridcast pub</c> on <paramref name="host"/> to its end; returns what it wrote on standard error.</summary>
    private static async Task<IReadOnlyList<string>> PublishAsync(NamespaceHost host, string @interface, string group, string text, params string[] options)
    {
        var (code, pub) = await host.RunGridcastAsync(Patience, ["pub", group, text, "--interface", @interface, .. options]);
        await using var _ = pub;
        Assert.True(code == 0, pub.Transcript());
        return pub.StandardError;
    }
}
