using Bridge.Testing.Captures;

namespace Bridge.Adapters.Iec61850.Tests.Captures;

/// <summary>The captures read as their README describes them: frame counts, lengths and first bytes.</summary>
public sealed class CaptureFilesTests
{
    [Theory]
    [InlineData(CaptureFiles.Goose, 4)]
    [InlineData(CaptureFiles.RGoose, 12)]
    [InlineData(CaptureFiles.RGooseHmac, 12)]
    [InlineData(CaptureFiles.RGooseAesGcm, 13)]
    [InlineData(CaptureFiles.Mms, 169)]
    public void Read_EachCapture_HasTheFramesItsReadmeCounts(string name, int frames)
    {
        var packets = CaptureFiles.Read(name);

        Assert.Equal(frames, packets.Count);
        Assert.All(packets, p => Assert.Equal(PcapNgReader.Ethernet, p.LinkType));
        Assert.Equal(Enumerable.Range(1, frames), packets.Select(p => p.Number));
    }

    [Fact]
    public void Read_GooseCapture_FramesHaveTheDocumentedLengthsAndFirstBytes()
    {
        var packets = CaptureFiles.Read(CaptureFiles.Goose);

        Assert.Equal([202, 202, 202, 205], packets.Select(p => p.Data.Length));
        Assert.Equal(
            Convert.FromHexString("010ccd0100010200618500018100800088b803e800b800000000"),
            packets[0].Data[..26].ToArray());
    }

    [Fact]
    public void Read_TruncatedFile_IsRefusedNamingTheOffset()
    {
        var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Captures", CaptureFiles.Goose));

        var error = Assert.Throws<InvalidDataException>(() => PcapNgReader.Read(bytes.AsMemory(0, bytes.Length - 7)));

        Assert.Contains("offset", error.Message, StringComparison.Ordinal);
    }
}
