using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Bridge.Host.Certificates;
using Bridge.Host.Cli;
using Bridge.Core.Configuration;

namespace Bridge.Host.Tools;

/// <summary>
/// <c>gridcast certs ca</c> and <c>gridcast certs node NAME</c>: a development CA and node
/// certificates for the overlay's mutually authenticated TLS links (docs/certificates.md).
/// </summary>
internal static class CertsCommand
{
    private const string AuthorityFileName = "ca";

    public static Command Create() => new("certs", "Make a development CA and node certificates for overlay TLS links")
    {
        CreateAuthorityCommand(),
        CreateNodeCommand(),
    };

    private static Command CreateAuthorityCommand()
    {
        var output = OutputDirectory();
        var name = new Option<string>("--name")
        {
            Description = "Subject common name of the CA",
            DefaultValueFactory = _ => "GridCast Development CA",
            HelpName = "NAME",
        };
        AddNameValidator(name);
        var days = Days(DevelopmentCertificates.DefaultAuthorityDays);
        var force = Force();
        var command = new Command("ca", "Make a CA: writes ca.crt and ca.key (mode 0600) to the output directory") { output, name, days, force };
        command.SetAction(result => Run(() =>
        {
            var (certificatePath, keyPath) = PemFiles.PathsFor(result.GetRequiredValue(output), AuthorityFileName);
            RefuseOverwrite(result.GetValue(force), certificatePath, keyPath);
            using var authority = DevelopmentCertificates.CreateAuthority(result.GetRequiredValue(name), result.GetValue(days), DateTimeOffset.UtcNow);
            PemFiles.Write(authority, certificatePath, keyPath, result.GetValue(force));
            Report(authority, certificatePath, keyPath);
        }));
        return command;
    }

    private static Command CreateNodeCommand()
    {
        var name = new Argument<string>("NAME") { Description = "Node name: the subject CN, the first DNS SAN and the file names" };
        name.Validators.Add(result => ValidateNodeName(result, result.GetValueOrDefault<string>()));
        var authority = new Option<string>("--ca")
        {
            Description = "Directory holding ca.crt and ca.key (from 'gridcast certs ca')",
            Required = true,
            HelpName = "DIR",
        };
        var output = OutputDirectory();
        var dns = new Option<string[]>("--dns")
        {
            Description = "Further DNS subject alternative name (repeatable)",
            HelpName = "NAME",
            DefaultValueFactory = _ => [],
        };
        dns.Validators.Add(result =>
        {
            foreach (var value in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (DnsNameError(value, hostNameRules: true) is { } error)
                {
                    result.AddError($"--dns: {error}");
                }
            }
        });
        var addresses = new Option<IPAddress[]>("--ip")
        {
            Description = "IP address subject alternative name (repeatable)",
            HelpName = "ADDR",
            DefaultValueFactory = _ => [],
            CustomParser = ParseAddresses,
        };
        var days = Days(DevelopmentCertificates.DefaultNodeDays);
        var force = Force();
        var command = new Command("node", "Make a node certificate signed by the CA: writes NAME.crt and NAME.key (mode 0600)")
        {
            name, authority, output, dns, addresses, days, force,
        };
        command.SetAction(result => Run(() =>
        {
            var node = result.GetRequiredValue(name);
            var (certificatePath, keyPath) = PemFiles.PathsFor(result.GetRequiredValue(output), node);
            RefuseOverwrite(result.GetValue(force), certificatePath, keyPath);
            var (authorityCertificate, authorityKey) = PemFiles.PathsFor(result.GetRequiredValue(authority), AuthorityFileName);
            using var issuer = PemFiles.ReadWithKey(authorityCertificate, authorityKey);
            using var certificate = DevelopmentCertificates.CreateNode(
                issuer, node, result.GetValue(dns) ?? [], result.GetValue(addresses) ?? [], result.GetValue(days), DateTimeOffset.UtcNow);
            PemFiles.Write(certificate, certificatePath, keyPath, result.GetValue(force));
            Report(certificate, certificatePath, keyPath);
        }));
        return command;
    }

    private static Option<string> OutputDirectory() => new("--out", "-o")
    {
        Description = "Directory to write the files to (created when missing)",
        Required = true,
        HelpName = "DIR",
    };

    // A hundred years: far beyond any sensible validity, and well inside what X.509 dates can hold.
    private const int MaxDays = 36500;

    private static Option<int> Days(int defaultDays)
        => CommonOptions.WholeNumber("--days", "Days the certificate stays valid", "N", defaultDays, min: 1, max: MaxDays);

    private static Option<bool> Force() => new("--force", "-f")
    {
        Description = "Overwrite existing files",
    };

    private static IPAddress[] ParseAddresses(ArgumentResult result)
    {
        var parsed = new List<IPAddress>();
        foreach (var token in result.Tokens)
        {
            // IPAddress.TryParse also takes inet_aton shorthands ("10.1" is 10.0.0.1); a SAN
            // that differs from what was typed would fail later in a confusing way, so IPv4
            // must be written as four decimal octets.
            if (IPAddress.TryParse(token.Value, out var address)
                && (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || address.ToString() == token.Value))
            {
                parsed.Add(address);
            }
            else
            {
                result.AddError($"--ip: '{token.Value}' is not an IPv4 or IPv6 address");
            }
        }

        return [.. parsed];
    }

    private static void AddNameValidator(Option<string> option)
        => option.Validators.Add(result => ValidateName(result, result.GetValueOrDefault<string>(), option.Name));

    // The CA's name is only its subject CN, but it must be there and must not be a path.
    private static void ValidateName(SymbolResult result, string? value, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            result.AddError($"{what}: a name is required");
        }
        else if (value.IndexOfAny(['/', '\\', '\0']) >= 0 || value is "." or "..")
        {
            result.AddError($"{what}: '{value}' may not contain '/' or '\\' or be '.' or '..'");
        }
    }

    // A node's name is its CN, which must equal its node.id, its first DNS SAN and its file names:
    // so it is an id as the configuration writes one, and a DNS name.
    private static void ValidateNodeName(SymbolResult result, string? value)
    {
        if (string.IsNullOrEmpty(value) || !ValueSyntax.IsId(value) || value is "." or "..")
        {
            result.AddError($"NAME: '{value}' must be 1 to {ValueSyntax.MaxIdLength} characters of A-Z a-z 0-9 . _ - (as node.id, which must equal it), and not '.' or '..'");
        }
        else if (DnsNameError(value, hostNameRules: false) is { } error)
        {
            result.AddError($"NAME: {error}");
        }
    }

    /// <summary>
    /// Why <paramref name="value"/> cannot be a DNS subject alternative name, or null when it can:
    /// labels of 1 to 63 characters (international names allowed), at most 253 in all; with
    /// <paramref name="hostNameRules"/> only letters, digits and hyphens (and a leading <c>*.</c>
    /// for a wildcard), as RFC 1123 host names.
    /// </summary>
    private static string? DnsNameError(string value, bool hostNameRules)
    {
        var name = hostNameRules && value.StartsWith("*.", StringComparison.Ordinal) ? value[2..] : value;
        if (name.Split('.').Any(label => label.Length == 0))
        {
            return $"'{value}' is not a DNS name: it has an empty label";
        }

        if (hostNameRules && name.FirstOrDefault(c => char.IsAscii(c) && !char.IsAsciiLetterOrDigit(c) && c is not ('-' or '.')) is var bad and not '\0')
        {
            return $"'{value}' is not a DNS name: '{bad}' is not allowed (letters, digits, hyphens and dots)";
        }

        if (name.Split('.').FirstOrDefault(label => label.Length > 63) is { } tooLong)
        {
            return $"'{value}' is not a DNS name: its label '{tooLong}' is longer than 63 characters";
        }

        // An international name becomes its ASCII form (RFC 5891), which has limits of its own.
        string ascii;
        try
        {
            ascii = new IdnMapping().GetAscii(name);
        }
        catch (ArgumentException e)
        {
            return $"'{value}' is not a DNS name: {ErrorText.Of(e)}";
        }

        return ascii.Length > 253 ? $"'{value}' is not a DNS name: it is longer than 253 characters" : null;
    }

    private static void RefuseOverwrite(bool force, params string[] paths)
    {
        if (force)
        {
            return;
        }

        var existing = paths.FirstOrDefault(File.Exists);
        if (existing is not null)
        {
            throw new IOException($"{existing} already exists; use --force to overwrite it");
        }
    }

    private static void Report(X509Certificate2 certificate, string certificatePath, string keyPath)
        => Console.WriteLine($"wrote {certificatePath} and {keyPath}: {certificate.Subject}, issued by {certificate.Issuer}, valid until {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm}Z");

    private static int Run(Action make)
    {
        try
        {
            make();
            return GridcastCommand.Ok;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or CryptographicException or ArgumentException or UnauthorizedAccessException)
        {
            // The messages name the file or value at fault; ErrorText leaves out what is for programmers.
            Console.Error.WriteLine($"gridcast certs: {ErrorText.Of(e)}");
            return GridcastCommand.Failed;
        }
    }
}
