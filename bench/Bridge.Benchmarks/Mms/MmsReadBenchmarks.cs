using BenchmarkDotNet.Attributes;
using Bridge.Adapters.Iec61850.Mms.Association;
using Bridge.Adapters.Iec61850.Mms.Pdu;
using Bridge.Adapters.Iec61850.Tests.Mms.TestServer;

namespace Bridge.Benchmarks.Mms;

/// <summary>
/// Reads over one MMS association against the test server (the project's own codecs on both
/// sides, TCP on loopback, in this process): 100 reads of one FLOAT32 attribute per operation,
/// issued by <see cref="InFlight"/> workers at once, so that 1 measures the round trip and 5 (the
/// negotiated maxServOutstanding) how far pipelining takes one association. Reads per second are
/// 1 / Mean, Mean being per read.
/// </summary>
[MemoryDiagnoser]
public class MmsReadBenchmarks
{
    private const int ReadsPerOperation = 100;
    private static readonly ObjectName Magnitude = ObjectName.Domain(TestModel.Device, "GGIO1$MX$AnIn1$mag$f");

    private TestIedServer _server = null!;
    private MmsAssociation _association = null!;

    /// <summary>Requests outstanding at once.</summary>
    [Params(1, 5)]
    public int InFlight { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _server = TestIedServer.Start(TestModel.Sample(DateTimeOffset.UtcNow));
        _association = await MmsAssociation.ConnectAsync(_server.EndPoint.Address.ToString(), _server.EndPoint.Port);
        if (_association.Negotiated.MaxServOutstandingCalling < InFlight)
        {
            throw new InvalidOperationException($"the server negotiated {_association.Negotiated.MaxServOutstandingCalling} in flight, fewer than {InFlight}");
        }
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _association.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Benchmark(OperationsPerInvoke = ReadsPerOperation)]
    public async Task Read()
    {
        var workers = new Task[InFlight];
        for (var w = 0; w < InFlight; w++)
        {
            workers[w] = ReadManyAsync(ReadsPerOperation / InFlight);
        }

        await Task.WhenAll(workers);
    }

    private async Task ReadManyAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var result = await _association.ReadAsync(Magnitude);
            if (!result.IsSuccess)
            {
                throw new InvalidOperationException("read failed: " + result.Error);
            }
        }
    }
}
