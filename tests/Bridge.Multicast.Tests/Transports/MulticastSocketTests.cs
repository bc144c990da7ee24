using System.Net;
using System.Net.Sockets;
using System.Text;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports.Ip;
using Bridge.Multicast.Wire;
using Bridge.Testing;

namespace Bridge.Multicast.Tests.Transports;

/// <summary>The IPv4 module and the group socket over real sockets on the loopback interface.</summary>
public sealed class MulticastSocketTests : IAsyncLifetime
{
    private readonly MulticastInterface _loopback = MulticastInterface.Loopback();
    private readonly List<MulticastSocket> _sockets = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var socket in _sockets)
        {
            await socket.DisposeAsync();
        }
    }

    [Fact]
    public async Task SendAsync_TwoSocketsJoinedToGroup_EachReceivesEveryMessage()
    {
        var group = GroupName.Parse(FreePorts.UniqueIPv4Group());
        var first = Open(group);
        var second = Open(group);
        var sender = Open();

        for (var i = 1; i <= 3; i++)
        {
            await sender.SendAsync(group, Encoding.UTF8.GetBytes($"tariff {i}"), ContentType.Raw);
        }

        foreach (var receiver in new[] { first, second })
        {
            var messages = await receiver.TakeAsync(3);
            Assert.Equal(["tariff 1", "tariff 2", "tariff 3"], messages.Select(m => Encoding.UTF8.GetString(m.Payload.Span)));
            Assert.Equal([1UL, 2UL, 3UL], messages.Select(m => m.Sequence));
            Assert.All(messages, m => Assert.Equal(sender.SourceId, m.SourceId));
            Assert.All(messages, m => Assert.Equal(group, m.Group));
        }

        Assert.Equal(3, sender.Counters.FramesSent);
        Assert.Equal(3, first.Counters.FramesReceived);
    }

    [Fact]
    public async Task Leave_AfterLeaving_OnlyGroupsStillJoinedArrive()
    {
        var port = FreePorts.Udp();
        var left = GroupName.Parse($"ham:ip:239.193.250.1:{port}");
        var kept = GroupName.Parse($"ham:ip:239.193.250.2:{port}");
        var receiver = Open(left, kept);
        var sender = Open();

        receiver.Leave(left);
        await sender.SendAsync(left, "not for you"u8.ToArray(), ContentType.Raw);
        await sender.SendAsync(kept, "still joined"u8.ToArray(), ContentType.Raw);

        // Both datagrams leave one socket in order over loopback: had the first arrived, it would be first.
        var message = Assert.Single(await receiver.TakeAsync(1));
        Assert.Equal(kept, message.Group);
        Assert.Equal("still joined", Encoding.UTF8.GetString(message.Payload.Span));
        Assert.DoesNotContain(left, receiver.JoinedGroups);
    }

    [Fact]
    public async Task Receive_MalformedDatagrams_AreCountedByReasonAndLaterFramesStillArrive()
    {
        var group = GroupName.Parse(FreePorts.UniqueIPv4Group());
        var receiver = Open(group);
        var sender = Open();
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        raw.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, _loopback.IPv4Address!.GetAddressBytes());

        await raw.SendToAsync("not a frame at all"u8.ToArray(), group.Addresses.IPv4!);
        await raw.SendToAsync(new byte[] { 0x47, 0x43, 0x01 }, group.Addresses.IPv4!);
        await sender.SendAsync(group, "valid"u8.ToArray(), ContentType.Raw);

        var message = Assert.Single(await receiver.TakeAsync(1));
        Assert.Equal("valid", Encoding.UTF8.GetString(message.Payload.Span));
        Assert.Equal(1, receiver.Counters.Rejected(FrameError.BadMagic));
        Assert.Equal(1, receiver.Counters.Rejected(FrameError.Truncated));
        Assert.Equal(2, receiver.Counters.RejectedTotal);
    }

    [Fact]
    public async Task Receive_FrameForAnotherNameOnSameAddress_IsNotDelivered()
    {
        var group = GroupName.Parse(FreePorts.UniqueIPv4Group());
        var receiver = Open(group);
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        raw.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, _loopback.IPv4Address!.GetAddressBytes());
        var sender = Open();

        // A frame naming a group this socket never joined, sent to the joined group's address.
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        FrameCodec.Encode(new GridCastFrame { Type = FrameType.Data, Group = "ham:ip:239.0.0.1:9"u8.ToArray(), Sequence = 1, Payload = "x"u8.ToArray() }, buffer);
        await raw.SendToAsync(buffer.WrittenMemory, group.Addresses.IPv4!);
        await sender.SendAsync(group, "mine"u8.ToArray(), ContentType.Raw);

        var message = Assert.Single(await receiver.TakeAsync(1));
        Assert.Equal("mine", Encoding.UTF8.GetString(message.Payload.Span));
        Assert.Equal(1, receiver.Counters.NotJoined);
    }

    [Fact]
    public void Resolve_UnknownInterface_NamesItAndTheKnownOnes()
    {
        var error = Assert.Throws<ArgumentException>(() => MulticastInterface.Resolve("nosuch0"));
        Assert.Contains("'nosuch0'", error.Message, StringComparison.Ordinal);
        Assert.Contains(_loopback.Name, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_UnknownInterface_ThrowsForProgrammersWithTheParameterName()
    {
        var error = Assert.Throws<ArgumentException>(() => MulticastInterface.Resolve("nosuch0"));
        Assert.Equal("nameOrAddress", error.ParamName);
    }

    [Theory]
    [InlineData("nosuch0", "'nosuch0'")]
    [InlineData("10.255.255.254", "'10.255.255.254'")]
    [InlineData(" ", "' '")]
    public void TryResolve_NoSuchInterface_GivesAnErrorForPeopleNamingTheValueAndTheKnownOnes(string value, string named)
    {
        Assert.False(MulticastInterface.TryResolve(value, out var found, out var error));

        Assert.Null(found);
        Assert.Contains(named, error, StringComparison.Ordinal);
        Assert.Contains(_loopback.Name, error, StringComparison.Ordinal);
        Assert.DoesNotContain("Parameter", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryResolve_ByName_FindsTheSameInterfaceAsResolve()
    {
        Assert.True(MulticastInterface.TryResolve(_loopback.Name, out var found, out var error));

        Assert.Null(error);
        Assert.Equal(_loopback, found);
    }

    [Theory]
    [InlineData("ham:ip:239.1.2.3:5000", true)]
    [InlineData("ham:sg:ami.tariff.rtp", true)]
    [InlineData("ham:ip:[ff15::7]:5000", false)]
    public void CanCarry_OnLoopback_OnlyGroupsWithAnIPv4Address(string group, bool expected)
        => Assert.Equal(expected, _loopback.CanCarry(GroupName.Parse(group)));

    [Fact]
    public void Resolve_ByAddress_FindsLoopback()
    {
        var byAddress = MulticastInterface.Resolve("127.0.0.1");
        Assert.Equal(_loopback, byAddress);
        Assert.Equal(IPAddress.Loopback, byAddress.IPv4Address);
    }

    [Fact]
    public async Task Join_MoreGroupsOnOnePortThanOneSocketMayJoin_EveryGroupArrivesAndLeavesWork()
    {
        // Linux refuses a socket's 21st IPv4 membership by default (net.ipv4.igmp_max_memberships);
        // read the limit so the test goes past it on any machine.
        var limit = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/igmp_max_memberships").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var port = FreePorts.Udp();
        var groups = Enumerable.Range(1, Math.Min(limit + 5, 240))
            .Select(i => GroupName.Parse($"ham:ip:239.193.251.{i}:{port}"))
            .ToList();
        var receiver = Open([.. groups]);
        var sender = Open();

        foreach (var group in groups)
        {
            await sender.SendAsync(group, Encoding.UTF8.GetBytes(group.Canonical), ContentType.Raw);
        }

        var messages = await receiver.TakeAsync(groups.Count);
        Assert.Equal(groups.Select(g => g.Canonical).Order(), messages.Select(m => Encoding.UTF8.GetString(m.Payload.Span)).Order());

        // A group on the second socket can be left, and the first socket's groups still arrive.
        receiver.Leave(groups[^1]);
        await sender.SendAsync(groups[^1], "left"u8.ToArray(), ContentType.Raw);
        await sender.SendAsync(groups[0], "kept"u8.ToArray(), ContentType.Raw);
        var after = Assert.Single(await receiver.TakeAsync(1));
        Assert.Equal(groups[0], after.Group);
    }

    [Fact]
    public async Task TryReceive_StreamFromOneSender_GivesEveryMessageInOrderWithItsSenderAndInterface()
    {
        var group = GroupName.Parse(FreePorts.UniqueIPv4Group());
        var receiver = Open(group);
        var sender = Open();

        // The first message of a source comes as an event, the rest through the pooled path: both
        // must reach TryReceive alike and in order.
        const int count = 50;
        for (var i = 1; i <= count; i++)
        {
            await sender.SendAsync(group, Encoding.UTF8.GetBytes($"reading {i}"), ContentType.MqttPublish, lastValue: i == count);
        }

        var received = new List<(string Payload, ulong Sequence, bool LastValue, IPEndPoint? From, string? Interface, ContentType Type, ulong Source)>();
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (received.Count < count && await receiver.WaitToReceiveAsync(patience.Token))
        {
            while (receiver.TryReceive(out var message))
            {
                using (message)
                {
                    received.Add((Encoding.UTF8.GetString(message.Payload.Span), message.Sequence, message.IsLastValue, message.From, message.Interface, message.ContentType, message.SourceId));
                }
            }
        }

        Assert.Equal(Enumerable.Range(1, count).Select(i => $"reading {i}"), received.Select(r => r.Payload));
        Assert.Equal(Enumerable.Range(1, count).Select(i => (ulong)i), received.Select(r => r.Sequence));
        Assert.Equal([.. Enumerable.Repeat(false, count - 1), true], received.Select(r => r.LastValue));
        Assert.All(received, r => Assert.Equal(IPAddress.Loopback, r.From?.Address));
        Assert.All(received, r => Assert.Equal($"ip:{_loopback.Name}", r.Interface));
        Assert.All(received, r => Assert.Equal(ContentType.MqttPublish, r.Type));
        Assert.All(received, r => Assert.Equal(sender.SourceId, r.Source));
    }

    [Fact]
    public async Task ReceiveAsync_MessagesFromThePooledPath_AreOwnedCopiesThatOutliveLaterMessages()
    {
        var group = GroupName.Parse(FreePorts.UniqueIPv4Group());
        var receiver = Open(group);
        var sender = Open();
        for (var i = 1; i <= 20; i++)
        {
            await sender.SendAsync(group, Encoding.UTF8.GetBytes($"value {i:D2}"), ContentType.Raw);
        }

        var messages = await receiver.TakeAsync(20);

        // Read only after all twenty came: a payload sharing a pooled buffer would show a later value.
        Assert.Equal(Enumerable.Range(1, 20).Select(i => $"value {i:D2}"), messages.Select(m => Encoding.UTF8.GetString(m.Payload.Span)));
        Assert.All(messages, m => Assert.Equal($"ip:{_loopback.Name}", m.Interface));
    }

    private MulticastSocket Open(params GroupName[] groups)
    {
        var socket = MulticastSocket.Create(_loopback);
        _sockets.Add(socket);
        foreach (var group in groups)
        {
            socket.Join(group);
        }

        return socket;
    }
}
