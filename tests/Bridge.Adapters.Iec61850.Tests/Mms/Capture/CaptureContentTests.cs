using Bridge.Adapters.Iec61850.Client.Control;
using Bridge.Adapters.Iec61850.Mms.Acse;
using Bridge.Adapters.Iec61850.Mms.Data;
using Bridge.Adapters.Iec61850.Mms.Pdu;
using Bridge.Adapters.Iec61850.Mms.Stack;
using Bridge.Adapters.Iec61850.Mms.Transport;

namespace Bridge.Adapters.Iec61850.Tests.Mms.Capture;

/// <summary>The decoded capture holds the values its README documents, layer by layer.</summary>
public sealed class CaptureContentTests
{
    [Fact]
    public void ConnectRequest_EveryStream_HasClass0TpduSize8192AndTsaps0001()
    {
        var requests = MmsCapture.Tpkts.Where(t => t.Direction == Direction.ClientToServer && t.Bytes[5] == 0xE0).ToList();

        Assert.Equal(4, requests.Count);
        Assert.All(requests, frame =>
        {
            Assert.True(CotpCodec.TryDecode(frame.Bytes.AsMemory(4), out var tpdu, out _));
            var cr = Assert.IsType<CotpConnectionRequest>(tpdu);
            Assert.Equal(0, cr.ClassOption);
            Assert.Equal(1, cr.SourceReference);
            Assert.Equal(8192, cr.Parameters.TpduSize);
            Assert.Equal([0x00, 0x01], cr.Parameters.CallingTsap);
            Assert.Equal([0x00, 0x01], cr.Parameters.CalledTsap);
        });
    }

    [Fact]
    public void AssociateRequest_Frame8_CarriesTheReadmesAcseAndInitiateValues()
    {
        var request = Assert.IsType<AssociateRequestMessage>(Decode(8));

        Assert.Equal([0x00, 0x01], request.Session.CallingSelector);
        Assert.Equal("2.2.1.0.1", request.Presentation.Contexts[0].AbstractSyntax.Value);
        Assert.Equal("1.0.9506.2.1", request.Presentation.Contexts[1].AbstractSyntax.Value);
        Assert.Equal([1, 3], request.Presentation.Contexts.Select(c => c.Id));
        Assert.Equal("1.1.1.999.1", request.Acse.CalledApTitle!.Value);
        Assert.Equal(12, request.Acse.CalledAeQualifier);
        Assert.Equal("1.1.1.999", request.Acse.CallingApTitle!.Value);
        var initiate = Assert.IsType<InitiateRequestPdu>(request.Initiate);
        Assert.Equal(65000, initiate.LocalDetailCalling);
        Assert.Equal(5, initiate.MaxServOutstandingCalling);
        Assert.Equal(5, initiate.MaxServOutstandingCalled);
        Assert.Equal(10, initiate.DataStructureNestingLevel);
        Assert.Equal(1, initiate.VersionNumber);
        Assert.Equal("11110001000", initiate.ParameterCbb.ToString());
    }

    [Fact]
    public void AssociateResponse_Frame9_AcceptsBothContextsAndTheAssociation()
    {
        var response = Assert.IsType<AssociateResponseMessage>(Decode(9));

        Assert.All(response.Presentation.Results, r => Assert.Equal(0, r.Result));
        Assert.Equal(0, response.Acse.Result);
        Assert.Equal(new AssociateDiagnostic(true, 0), response.Acse.Diagnostic);
        Assert.IsType<InitiateResponsePdu>(response.Initiate);
    }

    [Fact]
    public void GetNameList_Frame20_Has304NamesInOneReassembledTsdu()
    {
        Assert.Equal(7649 - 7, MmsCapture.Tsdu(20).Bytes.Length);
        var names = Assert.IsType<GetNameListResponse>(Response(20));

        Assert.Equal(304, names.Identifiers.Count);
        Assert.Equal(["GGIO1", "GGIO1$CF"], names.Identifiers.Take(2));
        Assert.False(names.MoreFollows);
    }

    [Fact]
    public void Read_Frame47_ReturnsTheFloat042738()
    {
        var read = Assert.IsType<ReadResponse>(Response(47));

        Assert.Equal(0.42738f, Assert.IsType<MmsFloat32>(read.Results[0].Value).Value, 5);
    }

    [Fact]
    public void Identify_Frame102_NamesVendorModelAndRevision()
        => Assert.Equal(new IdentifyResponse("MZ", "basic io", "1.4.2"), Response(102));

    [Fact]
    public void Read_Frame106_FailsWithObjectNonExistent()
    {
        var read = Assert.IsType<ReadResponse>(Response(106));

        Assert.Equal(AccessResult.Failure(DataAccessError.ObjectNonExistent), read.Results.Single());
    }

    [Fact]
    public void InformationReports_Stream1_AreThirteenRptReportsOf15Values()
    {
        var reports = MmsCapture.TsdusOf(1)
            .Select(t => StackCodec.TryDecode(t.Bytes, out var message, out _) ? message : null)
            .OfType<MmsDataMessage>()
            .Select(m => m.Pdu)
            .OfType<UnconfirmedPdu>()
            .Select(u => Assert.IsType<InformationReport>(u.Service))
            .ToList();

        Assert.Equal(13, reports.Count);
        Assert.All(reports, r =>
        {
            Assert.Equal(new NamedVariableList(ObjectName.Vmd("RPT")), r.Specification);
            Assert.Equal(15, r.Results.Count);
            Assert.Equal(new MmsVisibleString("Events1"), r.Results[0].Value);
        });
    }

    [Fact]
    public void Oper_Frame127_IsTheSixItemStructureWithAnEmptyOrIdent()
    {
        var request = Assert.IsType<ConfirmedRequestPdu>(((MmsDataMessage)Decode(127)).Pdu);
        var write = Assert.IsType<WriteRequest>(request.Service);

        var command = ControlCommand.TryParse(write.Data.Single());

        Assert.NotNull(command);
        Assert.Equal(MmsBoolean.True, command.ControlValue);
        Assert.Empty(command.OriginatorIdentity);
        Assert.Equal(OriginatorCategory.RemoteControl, command.OriginatorCategory);
        Assert.Equal(ControlChecks.None, command.Checks);
        Assert.Equal(2026, command.Time.ToDateTimeOffset().Year);
    }

    [Fact]
    public void LastApplError_Frame165_IsAFiveItemStructureWithCtlNum1()
    {
        var report = Assert.IsType<InformationReport>(Assert.IsType<UnconfirmedPdu>(((MmsDataMessage)Decode(165)).Pdu).Service);

        var error = LastApplError.TryParse(report.Results[0].Value!);

        Assert.NotNull(error);
        Assert.Equal("simpleIOGenericIO/GGIO1$CO$SPCSO9$Oper", error.ControlObject);
        Assert.Equal(0, error.Error);
        Assert.Equal(1, error.ControlNumber);
        Assert.Equal(AddCause.Unknown, error.AddCause);
    }

    [Fact]
    public void Release_Frames109And110_AreRlrqNormalAndRlre()
    {
        var request = Assert.IsType<ReleaseRequestMessage>(Decode(109));
        var response = Assert.IsType<ReleaseResponseMessage>(Decode(110));

        Assert.Equal(0, request.Acse.Reason);
        Assert.Null(response.Acse.Reason);
    }

    private static StackMessage Decode(int frame)
    {
        Assert.True(StackCodec.TryDecode(MmsCapture.Tsdu(frame).Bytes, out var message, out var failure), failure.ToString());
        return message!;
    }

    private static ConfirmedServiceResponse Response(int frame)
        => Assert.IsType<ConfirmedResponsePdu>(((MmsDataMessage)Decode(frame)).Pdu).Service;
}
