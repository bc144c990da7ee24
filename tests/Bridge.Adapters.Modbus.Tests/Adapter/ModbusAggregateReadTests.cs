using System.Collections.Concurrent;
using System.Text;
using Bridge.Adapters.Modbus.Adapter;
using Bridge.Adapters.Modbus.Protocol;
using Bridge.Adapters.Modbus.Server;
using Bridge.Core.Adapters;
using Bridge.Core.Routing;
using Bridge.Multicast;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Wire;
using Bridge.Testing;

namespace Bridge.Adapters.Modbus.Tests.Adapter;

/// <summary>
/// Reads of aggregating blocks answered by the head-end from a requester that gives scripted
/// result JSON: the encoding of each function's value, the quorum, sharing a request in progress,
/// and the reads that get an exception instead of a made-up value.
/// </summary>
public class ModbusAggregateReadTests
{
    public const string Config = """
        groups:
          meters: { uri: "ham:sg:meters" }
          setpoints: { uri: "ham:sg:setpoints" }
        bridge:
          modbus:
            listen: 127.0.0.1:1502
            units: [1]
          rules:
            - name: feeder
              modbus: unit=1 holding=300-305 type=f32 aggregate=sum,mean,count deadline=1500ms
              group: meters
              direction: from-group
            - name: answered
              modbus: unit=1 holding=400 type=u16 scale=0.5 aggregate=count quorum=3
              group: meters
              direction: from-group
            - name: setpoints
              modbus: unit=1 holding=100-103
              group: setpoints
              direction: to-group
        """;

    private readonly RecordingSender _sender = new();
    private readonly ScriptedRequester _requester = new();
    private readonly RecordingLogger _log = new();
    private readonly Router _router;
    private readonly ModbusHeadEnd _headEnd;

    public ModbusAggregateReadTests()
    {
        var (bridge, errors) = ModbusBridgeConfig.Read(Config);
        Assert.True(bridge is not null, string.Join('\n', errors));
        _router = new Router(bridge.ToRoutingTable(), _sender);
        _headEnd = new ModbusHeadEnd(_router, [1], _log, _requester);
    }

    [Fact]
    public async Task HandleAsync_ReadOfTheWholeBlock_AsksTheGroupAndAnswersEachFunctionInBlockOrder()
    {
        _requester.Answer("""{"count":3,"sum":7.75,"mean":2.5833333333333335,"min":1.5,"max":4}""", contributors: 3);
        var read = ModbusRequest.ReadHoldingRegisters(300, 6);

        var response = await HandleAsync(read);

        Assert.Equal(ModbusResponse.Registers(read, [.. F32(7.75), .. F32(2.5833333333333335), .. F32(3)]), response);
        var asked = Assert.Single(_requester.Asked);
        Assert.Equal(GroupName.Parse("ham:sg:meters"), asked.Group);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), asked.Deadline);
        Assert.Equal(AggregateFunctions.Sum | AggregateFunctions.Mean | AggregateFunctions.Count, asked.Spec.Aggregation!.Functions);
        Assert.Equal(1, _headEnd.Asked);
    }

    [Fact]
    public async Task HandleAsync_ReadOfOneValueOfTheBlock_AnswersThatValueOnly()
    {
        _requester.Answer("""{"count":3,"sum":7.75,"mean":2.5}""", contributors: 3);
        var read = ModbusRequest.ReadInputRegisters(302, 2);

        Assert.Equal(ModbusResponse.Registers(read, F32(2.5)), await HandleAsync(read));
    }

    [Fact]
    public async Task HandleAsync_ScaledCountWithQuorumMet_AnswersTheScaledValue()
    {
        _requester.Answer("""{"count":3,"sum":9}""", contributors: 3);
        var read = ModbusRequest.ReadHoldingRegisters(400, 1);

        Assert.Equal(ModbusResponse.Registers(read, [6]), await HandleAsync(read));
    }

    [Theory]
    [InlineData("""{"count":2,"sum":9}""", 2, "2 member(s) replied by the deadline, fewer than the quorum of 3")]
    [InlineData("""{"count":70000,"sum":9}""", 70000, "value 70000 does not fit u16 with scale 0.5")]
    [InlineData("""{"sum":9}""", 3, "the result has no count")]
    public async Task HandleAsync_TooFewRepliesOrAValueThatDoesNotFit_AnswersGatewayTargetFailedAndLogsWhy(string json, int contributors, string reason)
    {
        _requester.Answer(json, contributors);
        var read = ModbusRequest.ReadHoldingRegisters(400, 1);

        Assert.Equal(ModbusResponse.Exception(read, ModbusExceptionCode.GatewayTargetDeviceFailedToRespond), await HandleAsync(read));
        Assert.Equal(1, _headEnd.AggregateFailures);
        Assert.Contains(_log.Lines, l => l.Message.Contains(reason, StringComparison.Ordinal) && l.Message.Contains("answered", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HandleAsync_RequesterFails_AnswersGatewayTargetFailed()
    {
        _requester.Fail(new ArgumentException("no interface carries the group"));
        var read = ModbusRequest.ReadHoldingRegisters(300, 2);

        Assert.Equal(ModbusResponse.Exception(read, ModbusExceptionCode.GatewayTargetDeviceFailedToRespond), await HandleAsync(read));
        Assert.Contains(_log.Lines, l => l.Message.Contains("no interface carries the group", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HandleAsync_NoRequester_AnswersGatewayTargetFailedWithoutAsking()
    {
        var (bridge, _) = ModbusBridgeConfig.Read(Config);
        var headEnd = new ModbusHeadEnd(new Router(bridge!.ToRoutingTable(), _sender), [1], _log);
        var read = ModbusRequest.ReadHoldingRegisters(300, 6);

        var response = await headEnd.HandleAsync(Context(), read, CancellationToken.None);

        Assert.Equal(ModbusResponse.Exception(read, ModbusExceptionCode.GatewayTargetDeviceFailedToRespond), response);
        Assert.Equal(0, headEnd.Asked);
    }

    [Fact]
    public async Task HandleAsync_ReadsWhileARequestIsInProgress_ShareItAndALaterReadAsksAgain()
    {
        var gate = _requester.Hold();
        var sumRead = ModbusRequest.ReadHoldingRegisters(300, 2);
        var countRead = ModbusRequest.ReadHoldingRegisters(304, 2);
        var first = HandleAsync(sumRead).AsTask();
        var second = HandleAsync(countRead).AsTask();
        Assert.False(first.IsCompleted || second.IsCompleted);

        gate.SetResult(new GroupAnswer(Encoding.UTF8.GetBytes("""{"count":2,"sum":5,"mean":2.5}"""), 2, 0, 0));
        Assert.Equal(ModbusResponse.Registers(sumRead, F32(5)), await first);
        Assert.Equal(ModbusResponse.Registers(countRead, F32(2)), await second);
        Assert.Single(_requester.Asked);

        _requester.Answer("""{"count":3,"sum":6,"mean":2}""", contributors: 3);
        Assert.Equal(ModbusResponse.Registers(sumRead, F32(6)), await HandleAsync(sumRead));
        Assert.Equal(2, _requester.Asked.Count);
    }

    [Fact]
    public async Task HandleAsync_WriteToAnAggregatingBlock_IsRefusedAndNotRouted()
    {
        var write = ModbusRequest.WriteSingleRegister(400, 1);

        Assert.Equal(ModbusResponse.Exception(write, ModbusExceptionCode.IllegalDataAddress), await HandleAsync(write));
        Assert.Empty(_sender.Sent);
        Assert.Empty(_requester.Asked);
    }

    [Fact]
    public async Task PublishFromGroup_MessageOnAnAggregatingRulesGroup_IsNotTakenForTheBlock()
    {
        var message = new GroupMessage(GroupName.Parse("ham:sg:meters"), Encoding.UTF8.GetBytes("""{"unit":1,"table":"holding","address":400,"values":[1]}"""), ContentType.Raw, 1, 1, DateTimeOffset.UnixEpoch);

        await _router.RouteFromGroupAsync(message, _headEnd);

        Assert.Equal((0L, 0L), (_headEnd.Published, _headEnd.Malformed));
        _requester.Answer("""{"count":4}""", contributors: 4);
        var read = ModbusRequest.ReadHoldingRegisters(400, 1);
        Assert.Equal(ModbusResponse.Registers(read, [8]), await HandleAsync(read));
    }

    private static ushort[] F32(double value)
    {
        var bits = BitConverter.SingleToUInt32Bits((float)value);
        return [(ushort)(bits >> 16), (ushort)bits];
    }

    private static ModbusRequestContext Context() => new(new ModbusConnectionInfo(1, null, null, null, null), 1, 1, TimeSpan.FromSeconds(10));

    private ValueTask<ModbusResponse> HandleAsync(ModbusRequest request) => _headEnd.HandleAsync(Context(), request, CancellationToken.None);

    /// <summary>A requester whose next answer the test sets, held until released when asked to.</summary>
    private sealed class ScriptedRequester : IGroupRequester
    {
        private TaskCompletionSource<GroupAnswer> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentQueue<GroupRequest> Asked { get; } = new();

        public void Answer(string json, int contributors) => Hold().SetResult(new GroupAnswer(Encoding.UTF8.GetBytes(json), contributors, 0, 0));

        public void Fail(Exception exception) => Hold().SetException(exception);

        public TaskCompletionSource<GroupAnswer> Hold()
        {
            _next = new TaskCompletionSource<GroupAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
            return _next;
        }

        public async ValueTask<GroupAnswer> AskAsync(GroupRequest request, CancellationToken cancellationToken = default)
        {
            Asked.Enqueue(request);
            return await _next.Task.WaitAsync(cancellationToken);
        }
    }
}
