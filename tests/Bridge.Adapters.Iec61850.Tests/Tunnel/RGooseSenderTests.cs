using System.Net;
using System.Net.Sockets;
using Bridge.Adapters.Iec61850.Adapter.Goose;
using Bridge.Adapters.Iec61850.RGoose;
using Bridge.Adapters.Iec61850.RGoose.Security;
using Bridge.Testing;
using Bridge.Testing.Namespaces;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Adapters.Iec61850.Tests.Tunnel;

/// <summary>The R-GOOSE driver of the tunnel's far end, between two hosts of a namespace LAN.</summary>
public sealed class RGooseSenderTests
{
    private static readonly IPEndPoint Group = new(IPAddress.Parse("239.192.0.11"), RGooseCodec.Port);

    [Fact]
    public async Task Send_ToAMulticastGroup_AnotherHostDecodesNumberedSpdusWithTheApdus()
    {
        Prerequisites.LinuxRoot("the R-GOOSE sender test (sockets in network namespaces)");
        using var lan = NamespaceLan.Create(2);
        var (senderHost, receiverHost) = (lan.Hosts[0], lan.Hosts[1]);
        using var receiver = Receiver(receiverHost);
        var interfaceIndex = HostInterfaceIndex(senderHost);
        using var sender = NetworkNamespace.Run(senderHost.Name, () => new RGooseSender(Group, 4, interfaceIndex));
        var apdus = new[] { GooseRelayTests.Upstream(3, 0, 200), GooseRelayTests.Upstream(3, 1, 200) };

        // The receiver joined before the first send; the kernel has the membership by then.
        sender.Send(0x1001, simulation: false, apdus[0]);
        sender.Send(0x1001, simulation: true, apdus[1]);

        var buffer = new byte[2048];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        for (var i = 0; i < 2; i++)
        {
            var length = await receiver.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            Assert.True(RGooseCodec.TryDecode(buffer.AsMemory(0, length).ToArray(), out var spdu, out var rejection), rejection.ToString());
            Assert.Equal((uint)(i + 1), spdu.SpduNumber);
            var payload = new RGoosePayloadReader(spdu.UserData);
            Assert.True(payload.TryRead(out var element, out var elementRejection), elementRejection.ToString());
            Assert.Equal((0x1001, i == 1), (element.AppId, element.Simulation));
            Assert.Equal(apdus[i], element.Apdu.ToArray());
        }

        Assert.Equal(2, sender.Sent);
    }

    [Theory]
    [InlineData(RGooseSecurityAlgorithm.HmacSha256With128)]
    [InlineData(RGooseSecurityAlgorithm.Aes128Gcm)]
    public async Task Send_WithAProtector_AnotherHostVerifiesEachSpduAndNothingGoesOutWithoutAValidKey(RGooseSecurityAlgorithm algorithm)
    {
        Prerequisites.LinuxRoot("the R-GOOSE sender test (sockets in network namespaces)");
        using var lan = NamespaceLan.Create(2);
        var (senderHost, receiverHost) = (lan.Hosts[0], lan.Hosts[1]);
        using var receiver = Receiver(receiverHost);
        var start = new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
        var keys = new RGooseKeySet([new RGooseKey(7, algorithm, new byte[16], start, start.AddHours(1))]);
        var time = new FakeTimeProvider(start.AddMinutes(-10));
        var interfaceIndex = HostInterfaceIndex(senderHost);
        using var sender = NetworkNamespace.Run(senderHost.Name, () => new RGooseSender(Group, 4, interfaceIndex, new RGooseProtector(keys), time));
        using var unprotector = new RGooseUnprotector(keys);
        var apdu = GooseRelayTests.Upstream(3, 0, 200);

        // Before the key's window: nothing is sent (not in the clear either); then within it.
        Assert.False(sender.Send(0x1001, simulation: false, apdu));
        time.Advance(TimeSpan.FromMinutes(11));
        Assert.True(sender.Send(0x1001, simulation: false, apdu));
        Assert.True(sender.Send(0x1001, simulation: false, apdu));

        var buffer = new byte[2048];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        foreach (var number in new[] { 2u, 3u })
        {
            var length = await receiver.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            var datagram = buffer.AsMemory(0, length).ToArray();
            Assert.True(RGooseCodec.TryDecode(datagram, out var spdu, out var rejection), rejection.ToString());
            Assert.Equal((7u, number), (spdu.KeyId, spdu.SpduNumber));
            Assert.Equal(RGooseSecurityRejection.None, unprotector.Unprotect(start.AddMinutes(1), datagram, spdu, out var userData));
            var payload = new RGoosePayloadReader(userData);
            Assert.True(payload.TryRead(out var element, out _));
            Assert.Equal(apdu, element.Apdu.ToArray());
        }

        Assert.Equal(2, sender.Sent);
        Assert.True(sender.Secured);
    }

    /// <summary>A UDP socket in <paramref name="host"/>'s namespace on the R-GOOSE port that has joined <see cref="Group"/> on the LAN.</summary>
    private static Socket Receiver(NamespaceHost host) => NetworkNamespace.Run(host.Name, () =>
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Any, RGooseCodec.Port));
        socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(Group.Address, host.IPv4));
        return socket;
    });

    /// <summary>The index of <paramref name="host"/>'s LAN interface, as its own namespace numbers it.</summary>
    private static int HostInterfaceIndex(NamespaceHost host) => NetworkNamespace.Run(host.Name, () =>
        System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces().Single(n => n.Name == NamespaceLan.HostInterface).GetIPProperties().GetIPv4Properties().Index);
}
