namespace Bridge.Adapters.Modbus.Tests.Protocol;

/// <summary>Byte strings written as spaced hex, the way the specification prints its examples.</summary>
internal static class Hex
{
    public static byte[] Bytes(string hex) => Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal));

    public static string Of(ReadOnlySpan<byte> bytes) => string.Join(' ', bytes.ToArray().Select(static b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));
}
