using System.CommandLine;
using System.CommandLine.Parsing;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Bridge.Host.Certificates;
using Bridge.Host.Cli;

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
        name.Validators.Add(result => ValidateName(result, result.GetValueOrDefault<string>(), "NAME"));
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
                ValidateName(result, value, "--dns");
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

    private static Option<int> Days(int defaultDays)
    {
        var days = new Option<int>("--days")
        {
            Description = "Days the certificate stays valid",
            DefaultValueFactory = _ => defaultDays,
            HelpName = "N",
        };
        CommonOptions.AddPositiveValidator(days);
        return days;
    }

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

    // A name becomes a file name and a DNS SAN, so keep it to what both accept.
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
            // The messages name the file or value at fault; no type name or stack for people.
            Console.Error.WriteLine($"gridcast certs: {e.Message}");
            return GridcastCommand.Failed;
        }
    }
}
