namespace Bridge.Host.Tests.TestHost;

/// <summary>
/// The test host's thread pool, which reads the output of every process the tests start. See
/// <c>ThreadPoolMinThreads</c> in Directory.Build.props: without enough ready workers, the lines
/// of a subscriber wait up to a second in the pipe while the pool's goal is at the number of
/// work items already blocked (issue 9).
/// </summary>
public sealed class ThreadPoolTests
{
    /// <summary>Pool threads the test platform blocks for the whole run, plus two test bodies blocked at once, with room to spare.</summary>
    private const int BlockedAtOnce = 4;

    [Fact]
    public void MinThreads_TestHost_KeepsWorkersBeyondThoseBlockedByThePlatformAndTestBodies()
    {
        ThreadPool.GetMinThreads(out var workers, out _);

        Assert.True(
            workers >= 4 * BlockedAtOnce,
            $"the test host keeps {workers} pool workers ready; ThreadPoolMinThreads (Directory.Build.props) did not reach this test project's runtimeconfig");
    }
}
