using Bridge.Testing.Captures;

namespace Bridge.Adapters.Iec61850.Tests.Captures;

/// <summary>The reference captures beside the tests (Captures/README.md says what made them).</summary>
public static class CaptureFiles
{
    /// <summary>Layer-2 GOOSE from a third-party publisher.</summary>
    public const string Goose = "goose-publisher.pcapng";

    /// <summary>R-GOOSE without security.</summary>
    public const string RGoose = "r-goose.pcapng";

    /// <summary>R-GOOSE signed with HMAC-SHA256-128.</summary>
    public const string RGooseHmac = "r-goose-hmac.pcapng";

    /// <summary>R-GOOSE encrypted with AES-128-GCM.</summary>
    public const string RGooseAesGcm = "r-goose-aes128gcm.pcapng";

    /// <summary>Four MMS associations between third-party clients and servers.</summary>
    public const string Mms = "mms-client-server.pcapng";

    /// <summary>The packets of capture <paramref name="name"/>.</summary>
    public static IReadOnlyList<CapturedPacket> Read(string name)
        => PcapNgReader.Read(Path.Combine(AppContext.BaseDirectory, "Captures", name));
}
