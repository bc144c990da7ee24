using Bridge.Adapters.Iec61850.Mms.Association;
using Bridge.Adapters.Iec61850.Mms.Data;
using Bridge.Adapters.Iec61850.Mms.Pdu;
using Bridge.Adapters.Iec61850.Tests.Mms.TestServer;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Adapters.Iec61850.Tests.Mms.Association;

/// <summary>
/// The association driver against the test server: negotiation, several requests in flight up to
/// the negotiated limit, clean close, and a server that sends malformed PDUs, stalls, aborts or
/// drops the connection mid-request: the association closes with a named reason and every
/// pending request fails with it.
/// </summary>
public sealed class AssociationTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly ObjectName Magnitude = ObjectName.Domain(TestModel.Device, "GGIO1$MX$AnIn1$mag$f");

    [Fact]
    public async Task Connect_ServerAllowsThree_NegotiatesThreeInFlight()
    {
        await using var server = TestIedServer.Start(Sample(), new TestServerOptions { MaxServOutstanding = 3 });
        await using var association = await Connect(server);

        Assert.Equal(3, association.Negotiated.MaxServOutstandingCalling);
        Assert.Equal(8192, association.Negotiated.TpduSize);
        Assert.True(association.Negotiated.ServicesSupportedCalled[MmsServices.Read]);
        Assert.Equal(1, server.Associations);
    }

    [Fact]
    public async Task Requests_MoreThanNegotiated_WaitForAFreeSlotAndAllComplete()
    {
        await using var server = TestIedServer.Start(Sample(), new TestServerOptions { MaxServOutstanding = 3, Fault = _ => FaultAction.Hold });
        await using var association = await Connect(server);

        var reads = Enumerable.Range(0, 8).Select(_ => association.ReadAsync(Magnitude)).ToList();
        await Until(() => server.HeldCount == 3);
        Assert.Equal(3, association.Outstanding);
        Assert.All(reads, r => Assert.False(r.IsCompleted));

        while (reads.Any(r => !r.IsCompleted))
        {
            await Until(() => server.HeldCount > 0 || reads.All(r => r.IsCompleted));
            server.ReleaseHeld();
        }

        Assert.All(await Task.WhenAll(reads), r => Assert.Equal(new MmsFloat32(12.5f), r.Value));
        Assert.Equal(3, server.MaxOutstandingSeen);
        Assert.Equal(8, association.RequestsSent);
    }

    [Fact]
    public async Task Requests_FiveInFlightAtOnce_EachGetsItsOwnAnswer()
    {
        await using var server = TestIedServer.Start(Sample());
        await using var association = await Connect(server);
        var names = new[] { "GGIO1$MX$AnIn1$mag$f", "MMXU1$MX$TotW$mag$f", "LLN0$DC$NamPlt$vendor", "LLN0$ST$Mod$stVal", "MMXU1$CF$TotW$db" };

        var results = await Task.WhenAll(names.Select(n => association.ReadAsync(ObjectName.Domain(TestModel.Device, n))));

        Assert.Equal(
            new MmsValue[] { new MmsFloat32(12.5f), new MmsFloat32(1000f), new MmsVisibleString("GridCast"), new MmsInteger(1), new MmsUnsigned(100) },
            results.Select(r => r.Value));
    }

    [Fact]
    public async Task Close_OpenAssociation_ConcludesReleasesAndRefusesLaterRequests()
    {
        await using var server = TestIedServer.Start(Sample());
        var association = await Connect(server);

        var reason = await association.CloseAsync();

        Assert.Equal(MmsCloseReason.Concluded, reason);
        Assert.False(association.IsOpen);
        var refused = await Assert.ThrowsAsync<MmsAssociationClosedException>(() => association.ReadAsync(Magnitude));
        Assert.Equal(MmsCloseReason.Concluded, refused.Reason);
        await association.DisposeAsync();
    }

    [Theory]
    [InlineData(FaultAction.Malformed, MmsCloseReason.MalformedPdu, "Presentation LengthTooLarge")]
    [InlineData(FaultAction.Abort, MmsCloseReason.AbortedByPeer, "ABRT")]
    [InlineData(FaultAction.CloseConnection, MmsCloseReason.ConnectionLost, "closed the connection")]
    public async Task Fault_WhileRequestsAreInFlight_ClosesWithANamedReasonAndFailsThemAll(FaultAction fault, MmsCloseReason reason, string detail)
    {
        var requests = 0;
        await using var server = TestIedServer.Start(Sample(), new TestServerOptions
        {
            Fault = _ => Interlocked.Increment(ref requests) < 3 ? FaultAction.Stall : fault,
        });
        await using var association = await Connect(server);

        var pending = Enumerable.Range(0, 3).Select(_ => association.ReadAsync(Magnitude)).ToList();

        foreach (var request in pending)
        {
            var failure = await Assert.ThrowsAsync<MmsAssociationClosedException>(() => request.WaitAsync(Patience));
            Assert.Equal(reason, failure.Reason);
            Assert.Contains(detail, failure.Detail, StringComparison.Ordinal);
        }

        Assert.Equal(reason, (await association.Closed.WaitAsync(Patience)).Reason);
        Assert.False(association.IsOpen);
    }

    [Fact]
    public async Task Stall_NoAnswerWithinTheTimeout_ClosesAsResponseTimeoutAndFailsEveryRequest()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = TestIedServer.Start(Sample(), new TestServerOptions { Fault = _ => FaultAction.Stall });
        await using var association = await Connect(server, new MmsAssociationOptions { RequestTimeout = TimeSpan.FromSeconds(5) }, time);

        var first = association.ReadAsync(Magnitude);
        var second = association.IdentifyAsync();
        await Until(() => association.Outstanding == 2);
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(first.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        var failure = await Assert.ThrowsAsync<MmsAssociationClosedException>(() => first.WaitAsync(Patience));
        Assert.Equal(MmsCloseReason.ResponseTimeout, failure.Reason);
        Assert.Contains("invoke id 1 (Read)", failure.Detail, StringComparison.Ordinal);
        Assert.Equal(MmsCloseReason.ResponseTimeout, (await Assert.ThrowsAsync<MmsAssociationClosedException>(() => second.WaitAsync(Patience))).Reason);
    }

    [Fact]
    public async Task Cancel_CallerGivesUp_TheAnswerStillFreesTheSlot()
    {
        await using var server = TestIedServer.Start(Sample(), new TestServerOptions { MaxServOutstanding = 1, Fault = r => r.Service is IdentifyRequest ? FaultAction.Hold : FaultAction.None });
        await using var association = await Connect(server);
        using var cancel = new CancellationTokenSource();

        var abandoned = association.IdentifyAsync(cancel.Token);
        await Until(() => server.HeldCount == 1);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        var next = association.ReadAsync(Magnitude);
        Assert.False(next.IsCompleted);
        Assert.Equal(1, association.Outstanding);
        server.ReleaseHeld();

        Assert.Equal(new MmsFloat32(12.5f), (await next.WaitAsync(Patience)).Value);
        Assert.True(association.IsOpen);
    }

    [Fact]
    public async Task Request_ThatCannotBeEncoded_FailsAloneAndGivesItsSlotBack()
    {
        await using var server = TestIedServer.Start(Sample(), new TestServerOptions { MaxServOutstanding = 1 });
        await using var association = await Connect(server);

        await Assert.ThrowsAsync<ArgumentException>(() => association.RequestAsync(new GetNameListRequest(ObjectClass.NamedVariable, ObjectScope.DomainSpecific, null)));

        Assert.Equal(0, association.Outstanding);
        Assert.Equal(new MmsFloat32(12.5f), (await association.ReadAsync(Magnitude).WaitAsync(Patience)).Value);
    }

    [Fact]
    public async Task ServiceError_UnknownVariableType_ThrowsWithTheErrorClass()
    {
        await using var server = TestIedServer.Start(Sample());
        await using var association = await Connect(server);

        var error = await Assert.ThrowsAsync<MmsServiceErrorException>(() => association.GetVariableAccessAttributesAsync(ObjectName.Domain(TestModel.Device, "NoSuchLN")));

        Assert.Equal(new ServiceError(ErrorClass.Access, 2), error.Error);
        Assert.True(association.IsOpen);
    }

    [Fact]
    public async Task Connect_WrongPassword_IsRejectedNamingAuthenticationFailure()
    {
        await using var server = TestIedServer.Start(Sample(), new TestServerOptions { Password = "secret" });

        var refused = await Assert.ThrowsAsync<MmsConnectException>(() => Connect(server, new MmsAssociationOptions { Password = "guess" }));
        await using var accepted = await Connect(server, new MmsAssociationOptions { Password = "secret" });

        Assert.Equal(MmsConnectFailure.AssociationRejected, refused.Failure);
        Assert.Contains("authentication failure", refused.Message, StringComparison.Ordinal);
        Assert.True(accepted.IsOpen);
    }

    [Fact]
    public async Task Connect_NothingListening_FailsAsConnectionFailed()
    {
        var port = Bridge.Testing.FreePorts.Tcp();

        var failure = await Assert.ThrowsAsync<MmsConnectException>(() => MmsAssociation.ConnectAsync("127.0.0.1", port));

        Assert.Equal(MmsConnectFailure.ConnectionFailed, failure.Failure);
    }

    internal static TestModel Sample() => TestModel.Sample(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));

    internal static async Task Until(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!condition())
        {
            await Task.Delay(5, timeout.Token); // Polling the server's state with a deadline; no event exposes it.
        }
    }

    private static Task<MmsAssociation> Connect(TestIedServer server, MmsAssociationOptions? options = null, TimeProvider? time = null)
        => MmsAssociation.ConnectAsync(server.EndPoint.Address.ToString(), server.EndPoint.Port, options, time);
}
