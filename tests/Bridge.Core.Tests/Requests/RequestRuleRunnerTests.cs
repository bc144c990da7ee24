using Bridge.Core.Adapters;
using Bridge.Core.Requests;
using Bridge.Multicast.Aggregation;
using Bridge.Multicast.Naming;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bridge.Core.Tests.Requests;

public sealed class RequestRuleRunnerTests
{
    private static readonly RequestRule Rule = new(
        "reading", "mqtt", "meters/read", GroupName.Parse("ham:sg:meters"),
        new AggregationSpec { Functions = AggregateFunctions.Count | AggregateFunctions.Sum }, TimeSpan.FromSeconds(1), "meters/result");

    [Fact]
    public async Task Start_Trigger_AsksTheRuleGroupAndPublishesTheAnswer()
    {
        using var requester = new GatedRequester();
        await using var runner = new RequestRuleRunner(requester, NullLogger.Instance, TimeProvider.System);
        var published = new TaskCompletionSource<GroupAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);

        runner.Start(Rule, "topic meters/read", [], (answer, _) =>
        {
            published.SetResult(answer);
            return Task.CompletedTask;
        });
        requester.ReleaseAll();

        var answer = await published.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(3, answer.Contributors);
        var asked = Assert.Single(requester.Asked);
        Assert.Equal(Rule.Group, asked.Group);
        Assert.Equal(Rule.Deadline, asked.Deadline);
        Assert.Equal(1, runner.Asked);
    }

    [Fact]
    public async Task Start_MoreThanMaxConcurrentInProgress_RefusesTheRestAndServesAfterwards()
    {
        using var requester = new GatedRequester();
        await using var runner = new RequestRuleRunner(requester, NullLogger.Instance, TimeProvider.System);
        var published = 0;
        Task Publish(GroupAnswer answer, CancellationToken token)
        {
            Interlocked.Increment(ref published);
            return Task.CompletedTask;
        }

        for (var i = 0; i < RequestRuleRunner.MaxConcurrent + 3; i++)
        {
            runner.Start(Rule, "topic meters/read", [], Publish);
        }

        Assert.Equal(RequestRuleRunner.MaxConcurrent, runner.Asked);
        Assert.Equal(3, runner.Refused);

        requester.ReleaseAll();
        await requester.WaitForAnswersAsync(RequestRuleRunner.MaxConcurrent);
        await runner.DisposeAsync();
        Assert.Equal(RequestRuleRunner.MaxConcurrent, published);
        Assert.Equal(RequestRuleRunner.MaxConcurrent, runner.Answered);
    }

    [Fact]
    public async Task Start_MalformedOverrideOrNoReverseChannel_RefusedAndCounted()
    {
        using var idle = new GatedRequester();
        await using var withChannel = new RequestRuleRunner(idle, NullLogger.Instance, TimeProvider.System);
        withChannel.Start(Rule, "topic meters/read", """{"aggregate":["median"]}"""u8, (_, _) => Task.CompletedTask);
        Assert.Equal(1, withChannel.Refused);
        Assert.Equal(0, withChannel.Asked);

        await using var without = new RequestRuleRunner(null, NullLogger.Instance, TimeProvider.System);
        without.Start(Rule, "topic meters/read", [], (_, _) => Task.CompletedTask);
        Assert.Equal(1, without.Refused);
    }

    [Fact]
    public async Task Start_PublishFails_CountedAsFailedAndTheSlotIsFreed()
    {
        using var requester = new GatedRequester();
        requester.ReleaseAll();
        await using var runner = new RequestRuleRunner(requester, NullLogger.Instance, TimeProvider.System);

        for (var i = 0; i < RequestRuleRunner.MaxConcurrent + 1; i++)
        {
            runner.Start(Rule, "topic meters/read", [], (_, _) => throw new InvalidOperationException("broker refused the result"));
            await requester.WaitForAnswersAsync(1);
        }

        await runner.DisposeAsync();
        Assert.Equal(RequestRuleRunner.MaxConcurrent + 1, runner.Failed);
        Assert.Equal(0, runner.Refused);
    }

    /// <summary>Answers every request once released; records what it was asked.</summary>
    private sealed class GatedRequester : IGroupRequester, IDisposable
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly SemaphoreSlim _answered = new(0);

        public System.Collections.Concurrent.ConcurrentQueue<GroupRequest> Asked { get; } = new();

        public void ReleaseAll() => _released.TrySetResult();

        public void Dispose() => _answered.Dispose();

        public async Task WaitForAnswersAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                Assert.True(await _answered.WaitAsync(TimeSpan.FromSeconds(10)), $"only {i} of {count} requests were answered");
            }
        }

        public async ValueTask<GroupAnswer> AskAsync(GroupRequest request, CancellationToken cancellationToken = default)
        {
            Asked.Enqueue(request);
            await _released.Task.WaitAsync(cancellationToken);
            _answered.Release();
            return new GroupAnswer("""{"count":3}"""u8.ToArray(), 3, 0, 0);
        }
    }
}
