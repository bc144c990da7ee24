using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace Bridge.Adapters.Modbus.Security;

/// <summary>
/// The role a Modbus/TCP Security client certificate carries (MB-TCP-Security, "mbaps Role-Based
/// Client Authorization"): an X.509v3 extension with the OID 1.3.6.1.4.1.50316.802.1 whose value
/// is one ASN.1 UTF8String, such as <c>Operator</c>. The server reads it and hands it to the
/// request handler, which decides what the role may do.
/// </summary>
public static class ModbusSecurityRole
{
    /// <summary>The role extension's OID (the Modbus Organization's enterprise number 50316).</summary>
    public const string ExtensionOid = "1.3.6.1.4.1.50316.802.1";

    /// <summary>
    /// The role in <paramref name="certificate"/>, or null when it carries no role extension or
    /// the extension is not a single UTF8String (such a certificate has no role, rather than a guessed one).
    /// </summary>
    public static string? TryRead(X509Certificate2? certificate)
    {
        var extension = certificate?.Extensions[ExtensionOid];
        if (extension is null)
        {
            return null;
        }

        try
        {
            var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER);
            var role = reader.ReadCharacterString(UniversalTagNumber.UTF8String);
            return reader.HasData ? null : role;
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    /// <summary>The role extension for <paramref name="role"/>, to put in a certificate request (tests, development CAs).</summary>
    public static X509Extension CreateExtension(string role)
    {
        ArgumentException.ThrowIfNullOrEmpty(role);
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteCharacterString(UniversalTagNumber.UTF8String, role);
        return new X509Extension(ExtensionOid, writer.Encode(), critical: false);
    }
}
