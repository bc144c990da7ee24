using BenchmarkDotNet.Attributes;
using Bridge.Multicast;
using Bridge.Multicast.Endpoint;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;

namespace Bridge.Benchmarks;

/// <summary>
/// Cost of one message through the sans-IO core, no sockets: <see cref="GroupEndpoint.Send"/> on
/// one endpoint, its datagrams handed to a second endpoint's <see cref="GroupEndpoint.HandleDatagram(TimeSpan, ReadOnlyMemory{byte})"/>,
/// and the delivered message polled. Payloads of 100 and 1000 bytes fit one datagram; 10 000
/// bytes are cut into 8 fragments at the default atomic size (1472) and reassembled.
/// </summary>
/// <remarks>BenchmarkDotNet derives a runner from this class, so it stays public and unsealed.</remarks>
[MemoryDiagnoser]
public class GroupEndpointBenchmarks
{
    private static readonly GroupName Group = GroupName.Parse("ham:ip:239.192.0.7:5000");
    private static readonly TimeSpan Now = TimeSpan.FromSeconds(1);

    private GroupEndpoint _sender = null!;
    private GroupEndpoint _receiver = null!;
    private byte[] _payload = [];

    /// <summary>Application payload bytes per message.</summary>
    [Params(100, 1000, 10_000)]
    public int PayloadSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _payload = new byte[PayloadSize];
        for (var i = 0; i < _payload.Length; i++)
        {
            _payload[i] = (byte)i;
        }

        _sender = new GroupEndpoint(new GroupEndpointOptions { SourceId = 0x0123_4567_89AB_CDEF });
        _receiver = new GroupEndpoint(new GroupEndpointOptions { SourceId = 0x0FED_CBA9_8765_4321 });
        _receiver.Join(Group);

        // The first message also raises NewSource; after it, every message is the steady state.
        // A benchmark that silently measured a drop path would be worthless.
        if (SendAndReceive() != PayloadSize || SendAndReceive() != PayloadSize)
        {
            throw new InvalidOperationException("the message did not arrive whole");
        }
    }

    [Benchmark]
    public int SendAndReceive()
    {
        _sender.Send(Now, 1_700_000_000_000_000, Group, _payload, ContentType.Raw);
        while (_sender.TryPollTransmit(out var transmit))
        {
            _receiver.HandleDatagram(Now, transmit.Datagram);
        }

        var received = 0;
        while (_receiver.TryPollEvent(out var endpointEvent))
        {
            if (endpointEvent is MessageReceived { Message: GroupMessage message })
            {
                received += message.Payload.Length;
            }
        }

        return received;
    }
}
