using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Bridge.Adapters.Iec61850.Client;
using Bridge.Adapters.Iec61850.Client.Reporting;
using Bridge.Adapters.Iec61850.Mms.Data;
using Bridge.Adapters.Iec61850.Tests.Mms.Association;
using Bridge.Adapters.Iec61850.Tests.Mms.TestServer;
using Bridge.Testing;
using Bridge.Testing.Namespaces;

namespace Bridge.Adapters.Iec61850.Tests.Mms.Tshark;

/// <summary>
/// tshark's tpkt, cotp, ses, pres, acse and mms dissectors read every frame the client sends
/// (and the test server's answers) without a malformed-packet mark or a warning: the client on
/// one host of a namespace LAN, the test server on another, tshark on the server's veth.
/// </summary>
public sealed class TsharkDissectionTests
{
    private const string Purpose = "the MMS dissector test (tshark reads what the client sends)";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Client_EveryPduItSends_IsDissectedWithoutAMalformedMark()
    {
        var tshark = Prerequisites.Command("tshark", "tshark", Purpose);
        Prerequisites.LinuxRoot(Purpose);
        using var lan = NamespaceLan.Create(2);
        var serverHost = lan.Hosts[0];
        var clientHost = lan.Hosts[1];
        var serverEndPoint = new IPEndPoint(serverHost.IPv4, 102);
        await using var capture = serverHost.Start(tshark,
        [
            "-i", serverHost.Interface, "-l", "-n", "-f", "tcp port 102",
            "-T", "fields", "-E", "separator=|",
            "-e", "frame.number", "-e", "ip.src", "-e", "tcp.srcport", "-e", "tcp.len", "-e", "tcp.flags.fin", "-e", "frame.protocols",
            "-e", "mms.confirmedServiceRequest", "-e", "_ws.malformed", "-e", "_ws.expert.severity", "-e", "_ws.col.Info",
        ]);
        await capture.WaitForLineAsync(l => l.Contains("Capturing on", StringComparison.Ordinal), Patience);
        await using var server = TestIedServer.Start(AssociationTests.Sample(), new TestServerOptions { NameListPageSize = 20 }, NamespaceSockets.Listen(serverHost.Name, serverEndPoint));
        await ProbeUntilCapturingAsync(capture, clientHost, serverEndPoint);

        await RunEverythingAsync(clientHost, serverEndPoint);
        var lastPort = await AbortAsync(clientHost, serverEndPoint);
        // Frames print in order: once the last connection's FIN from the client is out, all are.
        await capture.WaitForLineAsync(l => Fields(l) is { Fin: true } f && f.Source == clientHost.IPv4.ToString() && f.Port == lastPort, Patience);

        var frames = capture.StandardOutput.Select(Fields).OfType<Frame>().ToList();
        var sent = frames.Where(f => f.Source == clientHost.IPv4.ToString() && f.Length > 0).ToList();
        Assert.All(frames, f => Assert.True(f.Malformed.Length == 0, $"frame {f.Number} is malformed: {f.Info}"));
        Assert.All(frames.Where(f => f.Length > 0), f => Assert.True(f.Severity < 6291456, $"frame {f.Number} has an expert warning or error ({f.Severity}): {f.Info}"));
        Assert.All(sent, f => Assert.Contains(":tpkt:cotp", f.Protocols, StringComparison.Ordinal));
        Assert.All(sent.Where(f => !f.Info.Contains("CR TPDU", StringComparison.Ordinal)), f => Assert.True(
            f.Protocols.EndsWith(":ses:pres:mms", StringComparison.Ordinal) || f.Protocols.EndsWith(":ses:pres:acse", StringComparison.Ordinal) || f.Protocols.EndsWith(":ses:pres:acse:mms", StringComparison.Ordinal),
            $"frame {f.Number} is not dissected down to ACSE or MMS: {f.Protocols} {f.Info}"));
        Assert.Equal(2, sent.Count(f => f.Info.Contains("CR TPDU", StringComparison.Ordinal)));
        Assert.Equal(2, sent.Count(f => f.Info.Contains("initiate-RequestPDU", StringComparison.Ordinal)));
        Assert.Equal(["1", "12", "2", "4", "5", "6"], sent.Select(f => f.Service).Where(s => s.Length > 0).Distinct().Order(StringComparer.Ordinal));
        Assert.Single(sent, f => f.Info.Contains("conclude-RequestPDU", StringComparison.Ordinal));
        Assert.Single(sent, f => f.Info.Contains("Release-Request", StringComparison.Ordinal));
        Assert.Single(sent, f => f.Info.Contains("ABORT", StringComparison.OrdinalIgnoreCase) || f.Info.Contains("Abort", StringComparison.Ordinal));
    }

    /// <summary>
    /// tshark says "Capturing on" before its capture process really captures (seconds before, on
    /// a loaded machine): connect and disconnect (no payload) until tshark prints a frame.
    /// </summary>
    private static async Task ProbeUntilCapturingAsync(ExternalProcess capture, NamespaceHost host, IPEndPoint server)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            NamespaceSockets.Connect(host.Name, server).Dispose();
            try
            {
                await capture.WaitForLineAsync(l => Fields(l) is not null, TimeSpan.FromMilliseconds(500));
                return;
            }
            catch (TimeoutException) when (DateTime.UtcNow < deadline)
            {
                // Not capturing yet: probe again.
            }
        }
    }

    private static async Task RunEverythingAsync(NamespaceHost host, IPEndPoint server)
    {
        await using var client = await Iec61850Client.ConnectAsync(new NetworkStream(NamespaceSockets.Connect(host.Name, server), ownsSocket: true), server.ToString());
        await client.IdentifyAsync();
        await client.BrowseAsync();
        await client.ReadAsync<float>(ObjectReference.Parse("TestLD/GGIO1.AnIn1.mag.f[MX]"));
        await client.ReadDataSetAsync(ObjectReference.Parse("TestLD/LLN0.Measurements"));
        await client.WriteAsync(ObjectReference.Parse("TestLD/GGIO1.SetPt1.setMag.f[SP]"), 49.5f);
        var rcb = ObjectReference.Parse("TestLD/LLN0.EventsRCB01[RP]");
        await client.EnableReportingAsync(rcb, new ReportControlBlockSettings { Triggers = TriggerOptions.DataChange | TriggerOptions.GeneralInterrogation, Options = ReportOptions.SequenceNumber | ReportOptions.DataReference | ReportOptions.ReasonForInclusion });
        await client.TriggerGeneralInterrogationAsync(rcb);
        var direct = await client.GetControlObjectAsync(ObjectReference.Parse("TestLD/GGIO1.SPCSO1"));
        await client.OperateAsync(direct, MmsBoolean.True);
        var sbo = await client.GetControlObjectAsync(ObjectReference.Parse("TestLD/GGIO1.SPCSO2"));
        await client.SelectAsync(sbo);
        await client.OperateAsync(sbo, MmsBoolean.True);
        var enhanced = await client.GetControlObjectAsync(ObjectReference.Parse("TestLD/GGIO1.SPCSO4"));
        await client.SelectWithValueAsync(enhanced, MmsBoolean.True);
        await client.CancelAsync(enhanced, MmsBoolean.True);
        await client.DisableReportingAsync(rcb);
        await client.CloseAsync();
    }

    private static async Task<int> AbortAsync(NamespaceHost host, IPEndPoint server)
    {
        var socket = NamespaceSockets.Connect(host.Name, server);
        var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        await using var client = await Iec61850Client.ConnectAsync(new NetworkStream(socket, ownsSocket: true), server.ToString());
        await client.ReadAsync<float>(ObjectReference.Parse("TestLD/MMXU1.TotW.mag.f[MX]"));
        client.Association.Abort();
        await client.Closed;
        return port;
    }

    private static Frame? Fields(string line)
    {
        var f = line.Split('|');
        if (f.Length < 10 || !int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return null;
        }

        var severity = f[8].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();
        return new Frame(
            number,
            f[1],
            int.TryParse(f[2], CultureInfo.InvariantCulture, out var port) ? port : 0,
            int.TryParse(f[3], CultureInfo.InvariantCulture, out var length) ? length : 0,
            f[4] is "1" or "True",
            f[5],
            f[6],
            f[7],
            severity,
            string.Join('|', f[9..]));
    }

    private sealed record Frame(int Number, string Source, int Port, int Length, bool Fin, string Protocols, string Service, string Malformed, int Severity, string Info);
}
