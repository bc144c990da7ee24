using System.Buffers.Binary;
using Bridge.Adapters.Iec61850.RGoose.Security;
using Bridge.Adapters.Iec61850.Tests.Captures;
using Bridge.Testing;

namespace Bridge.Adapters.Iec61850.Tests.RGoose.Security;

/// <summary>
/// tshark's <c>r-goose</c> dissector as the oracle for what our protector writes: signed and
/// encrypted SPDUs, written to a pcap file as UDP datagrams to port 102, are read with the key id
/// and SPDU number sent and without a malformed mark; a signed one's goosePdu and HMAC are shown.
/// </summary>
public sealed class RGooseSecurityTsharkTests
{
    private const string Purpose = "the R-GOOSE security oracle test (tshark's r-goose dissector)";

    [Theory]
    [InlineData(RGooseSecurityAlgorithm.HmacSha256With128, "simpleIOGenericIO/LLN0$GO$gcbAnalogValues")]
    [InlineData(RGooseSecurityAlgorithm.HmacSha256With256, "simpleIOGenericIO/LLN0$GO$gcbAnalogValues")]
    [InlineData(RGooseSecurityAlgorithm.Aes128Gcm, "")]
    public async Task Tshark_OurProtectedSpdus_ReadWithTheirKeyIdAndWithoutMalformedMarks(RGooseSecurityAlgorithm algorithm, string gocbRef)
    {
        var tshark = Prerequisites.Command("tshark", "tshark", Purpose);
        var keys = new RGooseKeySet([new RGooseKey(0x2A, algorithm, new byte[algorithm == RGooseSecurityAlgorithm.Aes256Gcm ? 32 : 16])]);
        using var protector = new RGooseProtector(keys);
        var apdu = GoosePdu();
        var datagrams = Enumerable.Range(1, 3).Select(n =>
        {
            var buffer = new byte[1024];
            Assert.True(protector.TryProtect(RGooseSecurityCaptureTests.CaptureTime, (uint)n, 0x4001, false, apdu, buffer, out var layout));
            return buffer[..layout.Length];
        }).ToList();
        using var files = new TempDirectory();
        var pcap = files.Combine("ours.pcap");
        await File.WriteAllBytesAsync(pcap, Pcap(datagrams));

        await using var read = ExternalProcess.Start(tshark, ["-r", pcap, "-n", "-T", "fields", "-E", "separator=|", "-e", "rgoose.key_id", "-e", "rgoose.spdu_num", "-e", "goose.gocbRef", "-e", "rgoose.hmac", "-e", "frame.protocols"]);
        Assert.Equal(0, await read.WaitForExitAsync(TimeSpan.FromSeconds(60)));

        var lines = read.StandardOutput.Where(l => l.Contains('|', StringComparison.Ordinal)).Select(l => l.Split('|')).ToList();
        Assert.Equal(["1", "2", "3"], lines.Select(l => l[1]));
        Assert.All(lines, (l, i) =>
        {
            Assert.Equal("0x0000002a", l[0]);
            Assert.Equal(gocbRef, l[2]);
            Assert.DoesNotContain("malformed", l[4], StringComparison.Ordinal);
            if (!algorithm.Encrypts())
            {
                // tshark shows the signature element whole: its tag, its length and our HMAC.
                var signature = datagrams[i].AsSpan(datagrams[i].Length - algorithm.SignatureSize() - 2);
                Assert.Equal(Convert.ToHexStringLower(signature), l[3]);
            }
        });
    }

    private static byte[] GoosePdu()
    {
        var datagram = CapturedFrames.UdpPayloads(CaptureFiles.RGoose)[0];
        Assert.True(Iec61850.RGoose.RGooseCodec.TryDecode(datagram, out var spdu, out _));
        return spdu.UserData.Span[Iec61850.RGoose.RGooseCodec.PayloadElementHeaderSize..].ToArray();
    }

    // A classic pcap of Ethernet frames: IPv4 10.61.85.1 to 230.0.10.11, UDP 102 to 102, one datagram a frame.
    private static byte[] Pcap(List<byte[]> datagrams)
    {
        var file = new List<byte>();
        var header = new byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0xA1B2C3D4);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), 4);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), 65535);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(20), 1); // Ethernet
        file.AddRange(header);
        for (var i = 0; i < datagrams.Count; i++)
        {
            var payload = datagrams[i];
            var frame = new byte[14 + 20 + 8 + payload.Length];
            byte[] ethernet = [0x01, 0x00, 0x5E, 0x00, 0x0A, 0x0B, 0x02, 0x00, 0x61, 0x85, 0x00, 0x01, 0x08, 0x00];
            ethernet.CopyTo(frame, 0);
            var ip = frame.AsSpan(14, 20);
            ip[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + 8 + payload.Length));
            ip[8] = 1; // TTL
            ip[9] = 17; // UDP
            byte[] addresses = [10, 61, 85, 1, 230, 0, 10, 11];
            addresses.CopyTo(ip[12..]);
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip));
            var udp = frame.AsSpan(34, 8);
            BinaryPrimitives.WriteUInt16BigEndian(udp, 102);
            BinaryPrimitives.WriteUInt16BigEndian(udp[2..], 102);
            BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(8 + payload.Length));
            payload.CopyTo(frame, 42);
            var record = new byte[16];
            BinaryPrimitives.WriteUInt32LittleEndian(record, 1_796_392_562 + (uint)i);
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(8), (uint)frame.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(12), (uint)frame.Length);
            file.AddRange(record);
            file.AddRange(frame);
        }

        return [.. file];
    }

    private static ushort Checksum(ReadOnlySpan<byte> header)
    {
        uint sum = 0;
        for (var i = 0; i < header.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(header[i..]);
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}
