using System.Globalization;
using System.Text.Json;
using Bridge.Testing;

namespace Bridge.Host.Tests.Tools;

/// <summary><c>gridcast request</c> and <c>gridcast respond</c> as separate processes on the loopback interface.</summary>
public sealed class RequestRespondCommandTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Request_FiveRespondersOnLoopback_PrintsTheirExactAggregateAsJson()
    {
        var group = FreePorts.UniqueIPv4Group();
        double[] values = [1.5, -3.25, 10, 0.125, 7];
        var responders = values
            .Select(v => GridcastCli.Start("respond", group, "--value", v.ToString("R", CultureInfo.InvariantCulture), "--count", "1"))
            .ToList();
        try
        {
            foreach (var responder in responders)
            {
                await responder.WaitForLineAsync(l => l.StartsWith("responding to " + group, StringComparison.Ordinal), Patience);
            }

            var (code, request) = await GridcastCli.RunAsync(Patience, "request", group, "--aggregate", "sum,mean,count,min,max", "--deadline", "3s", "--json");
            await using var _ = request;

            Assert.True(code == 0, request.Transcript());
            var result = JsonDocument.Parse(Assert.Single(request.StandardOutput)).RootElement;
            Assert.Equal(5UL, result.GetProperty("count").GetUInt64());
            Assert.Equal(5UL, result.GetProperty("contributors").GetUInt64());
            Assert.Equal(15.375, result.GetProperty("sum").GetDouble());
            Assert.Equal(-3.25, result.GetProperty("min").GetDouble());
            Assert.Equal(10.0, result.GetProperty("max").GetDouble());
            Assert.Equal(15.375 / 5, result.GetProperty("mean").GetDouble());
            Assert.Equal(JsonValueKind.Null, result.GetProperty("missing").ValueKind);
            Assert.Equal(0UL, result.GetProperty("late").GetUInt64());
            Assert.Equal(0U, result.GetProperty("partialsReceived").GetUInt32());
            Assert.Equal(group, result.GetProperty("group").GetString());
            Assert.False(result.TryGetProperty("histogram", out var _), "no histogram was asked for");
            var requestId = result.GetProperty("requestId").GetString();
            Assert.Matches("^[0-9a-f]{16}$", requestId);

            // Each responder answered that request once, and exits after its one answer.
            foreach (var responder in responders)
            {
                Assert.True(await responder.WaitForExitAsync(Patience) == 0, responder.Transcript());
                Assert.Contains(responder.StandardOutput, l => l.StartsWith($"request {requestId} ", StringComparison.Ordinal));
            }
        }
        finally
        {
            foreach (var responder in responders)
            {
                await responder.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Respond_ValueFromFile_ReadsTheFileAtEachRequest()
    {
        var group = FreePorts.UniqueIPv4Group();
        using var directory = new TempDirectory();
        var file = Path.Combine(directory.Path, "reading");
        await File.WriteAllTextAsync(file, "2.5\n");
        await using var responder = GridcastCli.Start("respond", group, "--value-from", file, "--count", "2");
        await responder.WaitForLineAsync(l => l.StartsWith("responding to", StringComparison.Ordinal), Patience);

        var (firstCode, first) = await GridcastCli.RunAsync(Patience, "request", group, "--aggregate", "sum", "--histogram", "0,3", "--deadline", "1s", "--json");
        await using var _ = first;
        await File.WriteAllTextAsync(file, "4");
        var (secondCode, second) = await GridcastCli.RunAsync(Patience, "request", group, "--aggregate", "sum", "--deadline", "1s", "--json");
        await using var __ = second;

        Assert.True(firstCode == 0 && secondCode == 0, first.Transcript() + second.Transcript());
        var firstResult = JsonDocument.Parse(Assert.Single(first.StandardOutput)).RootElement;
        Assert.Equal(2.5, firstResult.GetProperty("sum").GetDouble());
        Assert.Equal([0UL, 1UL, 0UL], firstResult.GetProperty("histogram").EnumerateArray().Select(b => b.GetProperty("count").GetUInt64()));
        Assert.Equal(4.0, JsonDocument.Parse(Assert.Single(second.StandardOutput)).RootElement.GetProperty("sum").GetDouble());
        Assert.True(await responder.WaitForExitAsync(Patience) == 0, responder.Transcript());
    }

    [Fact]
    public async Task Respond_FileHoldsNoNumber_SaysSoAndAnswersOnceItDoes()
    {
        var group = FreePorts.UniqueIPv4Group();
        using var directory = new TempDirectory();
        var file = directory.Write("reading", "meter offline");
        await using var responder = GridcastCli.Start("respond", group, "--value-from", file, "--count", "1");
        await responder.WaitForLineAsync(l => l.StartsWith("responding to", StringComparison.Ordinal), Patience);

        var (_, unanswered) = await GridcastCli.RunAsync(Patience, "request", group, "--deadline", "500ms", "--json");
        await using var _ = unanswered;
        await responder.WaitForLineAsync(l => l.Contains("not answered", StringComparison.Ordinal), Patience);
        await File.WriteAllTextAsync(file, "-1.75");
        var (code, answered) = await GridcastCli.RunAsync(Patience, "request", group, "--deadline", "1s", "--json");
        await using var __ = answered;

        Assert.Equal(0UL, JsonDocument.Parse(Assert.Single(unanswered.StandardOutput)).RootElement.GetProperty("count").GetUInt64());
        Assert.True(code == 0, answered.Transcript());
        var result = JsonDocument.Parse(Assert.Single(answered.StandardOutput)).RootElement;
        Assert.Equal((1UL, -1.75), (result.GetProperty("count").GetUInt64(), result.GetProperty("sum").GetDouble()));
        Assert.True(await responder.WaitForExitAsync(Patience) == 0, responder.Transcript());
    }

    [Fact]
    public async Task Request_NobodyResponds_PrintsAResultWithNoContributorsAndExitsZero()
    {
        var group = FreePorts.UniqueIPv4Group();

        var (code, request) = await GridcastCli.RunAsync(Patience, "request", group, "--deadline", "100ms");
        await using var _ = request;

        Assert.True(code == 0, request.Transcript());
        Assert.Contains(request.StandardOutput, l => l.Contains("count", StringComparison.Ordinal) && l.Contains('0', StringComparison.Ordinal));
    }

    [Fact]
    public async Task Request_MissingIdsWithoutKnownMembership_PrintsAnEmptyListAndMissingUnknown()
    {
        var group = FreePorts.UniqueIPv4Group();
        await using var responder = GridcastCli.Start("respond", group, "--value", "3", "--count", "1");
        var ready = await responder.WaitForLineAsync(l => l.StartsWith("responding to " + group, StringComparison.Ordinal), Patience);
        Assert.Matches(" as member [0-9a-f]{16}$", ready);

        var (code, request) = await GridcastCli.RunAsync(Patience, "request", group, "--aggregate", "count", "--missing-ids", "--deadline", "1s", "--json");
        await using var _ = request;

        // One domain and no gateway that learns members: who did not answer cannot be known,
        // so the list is empty and the missing count is unknown (null), never a made-up zero.
        Assert.True(code == 0, request.Transcript());
        var result = JsonDocument.Parse(Assert.Single(request.StandardOutput)).RootElement;
        Assert.Equal(1UL, result.GetProperty("count").GetUInt64());
        Assert.Equal(JsonValueKind.Array, result.GetProperty("missingIds").ValueKind);
        Assert.Equal(0, result.GetProperty("missingIds").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("missing").ValueKind);
        Assert.False(result.GetProperty("membershipKnown").GetBoolean());
        Assert.True(await responder.WaitForExitAsync(Patience) == 0, responder.Transcript());
    }

    [Fact]
    public async Task Request_MissingIdsForPeople_SaysMembershipIsNotKnown()
    {
        var (code, request) = await GridcastCli.RunAsync(Patience, "request", FreePorts.UniqueIPv4Group(), "--missing-ids", "--deadline", "100ms");
        await using var _ = request;

        Assert.True(code == 0, request.Transcript());
        Assert.Contains(request.StandardOutput, l => l.Contains("missing ids", StringComparison.Ordinal) && l.Contains("membership not known", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Request_WithoutMissingIds_PrintsNoMissingIdsField()
    {
        var (code, request) = await GridcastCli.RunAsync(Patience, "request", FreePorts.UniqueIPv4Group(), "--deadline", "100ms", "--json");
        await using var _ = request;

        Assert.True(code == 0, request.Transcript());
        var result = JsonDocument.Parse(Assert.Single(request.StandardOutput)).RootElement;
        Assert.False(result.TryGetProperty("missingIds", out var _), "missing ids were not asked for");
        Assert.False(result.TryGetProperty("missingSubtreeIds", out var _), "no subtree is missing");
    }

    [Theory]
    [InlineData("request", "--aggregate", "sum,median", "'median' is not a function")]
    [InlineData("request", "--aggregate", "count,histogram", "--aggregate histogram needs bucket bounds")]
    [InlineData("request", "--histogram", "5,1", "bounds must ascend")]
    [InlineData("request", "--deadline", "0s", "--deadline must be whole milliseconds from 1ms to 1h")]
    [InlineData("request", "--deadline", "soon", "--deadline must be a duration")]
    [InlineData("respond", "--value", "NaN", "--value must be a finite number")]
    [InlineData("respond", "--value", "1e300", "--value must be a finite number")]
    [InlineData("respond", "--value-from", "/no/such/reading", "there is no file")]
    [InlineData("respond", "--count", "3", "either --value V or --value-from FILE")]
    public async Task Verbs_BadValue_ExitWithUsageErrorNamingIt(string verb, string option, string value, string expected)
    {
        var (code, process) = await GridcastCli.RunAsync(Patience, verb, FreePorts.UniqueIPv4Group(), option, value);
        await using var _ = process;

        Assert.Equal(2, code);
        Assert.Contains(process.StandardError, l => l.Contains(expected, StringComparison.Ordinal));
    }
}
