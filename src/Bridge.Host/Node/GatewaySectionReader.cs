using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Bridge.Core.Configuration;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Gateway;

namespace Bridge.Host.Node;

/// <summary>Binds, validates and checks the <c>gateway</c> section (docs/configuration.md).</summary>
public static class GatewaySectionReader
{
    private static readonly string[] Keys =
        ["role", "carry", "learnMembers", "listen", "tls", "peers", "acceptLeaves", "upstreams", "heartbeat", "election", "overlayKeyFile", "overlayKeyRing"];

    /// <summary>Binds the section at <paramref name="value"/>; null when it is absent.</summary>
    public static GatewayInput? Bind(ConfigValue? value, ConfigurationErrors errors)
    {
        if (value is null or ConfigScalar { Text: null })
        {
            return null;
        }

        if (SectionReader.Open(value, GatewaySection.Key, errors, Keys) is not { } section)
        {
            return new GatewayInput(GatewaySection.Key) { Bound = false };
        }

        var tls = section.Section("tls", "certificate", "key", "authority");
        var heartbeat = section.Section("heartbeat", "interval", "deadAfter");
        var election = section.Section("election", "priority", "helloInterval", "holdTime");
        var upstreams = section.List("upstreams");
        return new GatewayInput(section.Path)
        {
            Role = section.Text("role"),
            HasCarry = section.Has("carry"),
            Carry = section.Texts("carry"),
            LearnMembers = section.Text("learnMembers"),
            Listen = section.Text("listen"),
            Tls = tls is null ? null : new TlsInput(tls.Path, tls.Text("certificate"), tls.Text("key"), tls.Text("authority")),
            HasPeers = section.Has("peers"),
            Peers = Links(section.List("peers"), errors, "expected a mapping with id and address, found nothing"),
            AcceptLeaves = section.Text("acceptLeaves"),
            HasUpstreams = section.Has("upstreams"),
            Upstreams = Links(upstreams, errors, whenNothing: null),
            UpstreamCount = upstreams?.Count ?? 0,
            Heartbeat = heartbeat is null ? null : (heartbeat.Text("interval"), heartbeat.Text("deadAfter")),
            Election = election is null ? null : (election.Text("priority"), election.Text("helloInterval"), election.Text("holdTime")),
            OverlayKeyFile = section.Text("overlayKeyFile"),
            OverlayKeyRing = section.Text("overlayKeyRing"),
        };
    }

    /// <summary>
    /// Validates the bound section against the node's id and groups in <paramref name="context"/>
    /// (pure: the TLS files are checked by <see cref="CheckEnvironment"/>); null with every error added.
    /// </summary>
    public static GatewaySection? Validate(GatewayInput input, ConfigurationContext context, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(errors);
        if (!input.Bound)
        {
            return null;
        }

        var before = errors.Count;
        GatewayRole? role = input.Role?.Text switch
        {
            "transit" => GatewayRole.Transit,
            "leaf" => GatewayRole.Leaf,
            _ => null,
        };
        if (ConfigValues.Required(input.Role, input.PathOf("role"), errors) is { } roleText && role is null)
        {
            errors.Add(roleText.Path, $"'{roleText.Text}' must be transit or leaf");
        }

        var carry = Carry(input, context.Groups, errors);
        var listen = Listen(input, role, errors);
        var tls = Tls(input, context, errors);
        var peers = Peers(input, role, context.NodeId, errors);
        var acceptLeaves = ConfigValues.Boolean(input.AcceptLeaves, errors);
        var learnMembers = ConfigValues.Boolean(input.LearnMembers, errors);
        if (role == GatewayRole.Leaf && input.AcceptLeaves is not null)
        {
            errors.Add(input.AcceptLeaves.Path, "only a transit gateway accepts leaves");
        }

        var upstreams = Upstreams(input, role, context.NodeId, errors);
        var interval = ConfigValues.Duration(input.Heartbeat?.Interval, errors);
        var deadAfter = ConfigValues.Duration(input.Heartbeat?.DeadAfter, errors);
        var priority = ConfigValues.WholeNumber(input.Election?.Priority, 0, 255, errors);
        var hello = ConfigValues.Duration(input.Election?.HelloInterval, errors);
        var hold = ConfigValues.Duration(input.Election?.HoldTime, errors);
        var defaults = new GatewaySection { Role = default, Carry = [], Tls = new("", "", ""), Peers = [], Upstreams = [] };
        var gateway = defaults with
        {
            Role = role ?? GatewayRole.Transit,
            Carry = carry ?? new ValueList<GroupName>([]),
            Listen = listen,
            Tls = tls ?? defaults.Tls,
            Peers = peers ?? new ValueList<PeerDefinition>([]),
            AcceptLeaves = role == GatewayRole.Transit && (acceptLeaves ?? true),
            LearnMembers = learnMembers ?? false,
            Upstreams = upstreams ?? new ValueList<UpstreamDefinition>([]),
            HeartbeatInterval = interval ?? defaults.HeartbeatInterval,
            DeadAfter = deadAfter ?? defaults.DeadAfter,
            Priority = priority ?? defaults.Priority,
            HelloInterval = hello ?? defaults.HelloInterval,
            HoldTime = hold ?? defaults.HoldTime,
            OverlayKeyFile = ConfigValues.FilePath(input.OverlayKeyFile, context.BaseDirectory),
            OverlayKeyRing = DomainSectionReader.KeyRingName(input.OverlayKeyRing, errors),
        };
        if (input.OverlayKeyRing is not null && input.OverlayKeyFile is null)
        {
            errors.Add(input.OverlayKeyRing.Path, "names a ring of gateway.overlayKeyFile, which is not given");
        }

        // Compare only values that were read: a bad one is reported already, and a default is no news.
        if (input.Heartbeat is var (intervalText, deadAfterText) && Read(intervalText, interval) && Read(deadAfterText, deadAfter)
            && gateway.DeadAfter <= gateway.HeartbeatInterval)
        {
            errors.Add(ConfigPath.Key(input.PathOf("heartbeat"), "deadAfter"), $"'{deadAfterText?.Text ?? "4s"}' must be longer than interval '{intervalText?.Text ?? "1s"}'");
        }

        if (input.Election is var (_, helloText, holdText) && Read(helloText, hello) && Read(holdText, hold)
            && gateway.HoldTime <= gateway.HelloInterval)
        {
            errors.Add(ConfigPath.Key(input.PathOf("election"), "holdTime"), $"'{holdText?.Text ?? "350ms"}' must be longer than helloInterval '{helloText?.Text ?? "100ms"}'");
        }

        return errors.Count == before ? gateway : null;
    }

    /// <summary>
    /// The TLS files must exist, the certificate must be issued to <c>node.id</c> (peers name a
    /// gateway by its CN), the key must be the certificate's, and the authority a CA certificate.
    /// </summary>
    public static void CheckEnvironment(GatewayInput input, ConfigurationContext context, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        ControlKeyFiles.Check(input.OverlayKeyFile, input.OverlayKeyRing, context, errors);
        if (input.Tls is not { } tls)
        {
            return;
        }

        var certificate = Existing(tls.Certificate, context, errors);
        var key = Existing(tls.Key, context, errors);
        var authority = Existing(tls.Authority, context, errors);
        var readable = certificate is not null && CheckCertificate(certificate, tls.Certificate!.Path, context.NodeId, errors);
        if (readable && key is not null)
        {
            CheckKey(certificate!, key, tls.Key!.Path, errors);
        }

        if (authority is not null)
        {
            CheckAuthority(authority, tls.Authority!.Path, errors);
        }
    }

    private static List<LinkInput>? Links(IReadOnlyList<(ConfigValue Value, string Path)>? items, ConfigurationErrors errors, string? whenNothing)
    {
        if (items is null)
        {
            return null;
        }

        var links = new List<LinkInput>();
        foreach (var (value, path) in items)
        {
            if (SectionReader.Open(value, path, errors, "id", "address") is { } link)
            {
                links.Add(new LinkInput(path, link.Text("id"), link.Text("address")));
            }
            else if (value is ConfigScalar { Text: null } && whenNothing is not null)
            {
                errors.Add(path, whenNothing);
            }
        }

        return links;
    }

    // Whether a duration key is absent (its default applies) or was read without error.
    private static bool Read(ConfigText? text, TimeSpan? value) => text is null || value is not null;

    private static ValueList<GroupName>? Carry(GatewayInput input, GroupCatalog groups, ConfigurationErrors errors)
    {
        if (!input.HasCarry)
        {
            return new ValueList<GroupName>(groups.Valid.Where(g => !g.IsTemplate).Select(g => g.Name));
        }

        if (input.Carry is null)
        {
            return null;
        }

        var carried = new List<GroupName>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in input.Carry)
        {
            if (!seen.Add(id.Text))
            {
                errors.Add(id.Path, $"group '{id.Text}' is listed twice");
            }
            else if (groups.Reference(id, errors) is { } template)
            {
                if (template.Name is { } name)
                {
                    carried.Add(name);
                }
                else
                {
                    errors.Add(id.Path, $"group '{id.Text}' ({template.Text}) has placeholders; a gateway carries groups with one name each");
                }
            }
        }

        return new ValueList<GroupName>(carried);
    }

    private static IPEndPoint? Listen(GatewayInput input, GatewayRole? role, ConfigurationErrors errors)
    {
        if (role == GatewayRole.Leaf && input.Listen is not null)
        {
            errors.Add(input.Listen.Path, "a leaf gateway does not listen; remove this key");
            return null;
        }

        if (role == GatewayRole.Transit && input.Listen is null)
        {
            errors.Add(input.PathOf("listen"), "is required for a transit gateway");
            return null;
        }

        return ConfigValues.EndPoint(input.Listen, errors);
    }

    private static TlsFiles? Tls(GatewayInput input, ConfigurationContext context, ConfigurationErrors errors)
    {
        if (input.Tls is not { } tls)
        {
            errors.Add(input.PathOf("tls"), "is required (certificate, key and authority)");
            return null;
        }

        var certificate = ConfigValues.Required(tls.Certificate, ConfigPath.Key(tls.Path, "certificate"), errors);
        var key = ConfigValues.Required(tls.Key, ConfigPath.Key(tls.Path, "key"), errors);
        var authority = ConfigValues.Required(tls.Authority, ConfigPath.Key(tls.Path, "authority"), errors);
        return certificate is null || key is null || authority is null
            ? null
            : new TlsFiles(
                ConfigValues.FilePath(certificate, context.BaseDirectory)!,
                ConfigValues.FilePath(key, context.BaseDirectory)!,
                ConfigValues.FilePath(authority, context.BaseDirectory)!);
    }

    private static ValueList<PeerDefinition>? Peers(GatewayInput input, GatewayRole? role, string? nodeId, ConfigurationErrors errors)
    {
        if (!input.HasPeers)
        {
            return new ValueList<PeerDefinition>([]);
        }

        if (role == GatewayRole.Leaf)
        {
            errors.Add(input.PathOf("peers"), "only a transit gateway has peers; a leaf has upstreams");
            return null;
        }

        if (input.Peers is null)
        {
            return null;
        }

        var peers = new List<PeerDefinition>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var peer in input.Peers)
        {
            var id = LinkId(peer, ids, nodeId, errors);
            var address = ConfigValues.HostPort(peer.Address, errors);
            if (id is not null)
            {
                peers.Add(new PeerDefinition(id, address));
            }
        }

        return new ValueList<PeerDefinition>(peers);
    }

    private static ValueList<UpstreamDefinition>? Upstreams(GatewayInput input, GatewayRole? role, string? nodeId, ConfigurationErrors errors)
    {
        var path = input.PathOf("upstreams");
        if (role == GatewayRole.Transit)
        {
            if (input.HasUpstreams)
            {
                errors.Add(path, "only a leaf gateway has upstreams; a transit gateway has peers");
            }

            return new ValueList<UpstreamDefinition>([]);
        }

        if (input.Upstreams is null)
        {
            if (role == GatewayRole.Leaf && !input.HasUpstreams)
            {
                errors.Add(path, "is required for a leaf gateway (1 or 2 upstreams)");
            }

            return null;
        }

        if (role == GatewayRole.Leaf && input.UpstreamCount is < 1 or > 2)
        {
            errors.Add(path, $"a leaf gateway has 1 or 2 upstreams, not {input.UpstreamCount}");
        }

        var upstreams = new List<UpstreamDefinition>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var upstream in input.Upstreams)
        {
            var id = LinkId(upstream, ids, nodeId, errors);
            var address = ConfigValues.HostPort(ConfigValues.Required(upstream.Address, ConfigPath.Key(upstream.Path, "address"), errors), errors);
            if (id is not null && address is not null)
            {
                upstreams.Add(new UpstreamDefinition(id, address));
            }
        }

        return new ValueList<UpstreamDefinition>(upstreams);
    }

    private static string? LinkId(LinkInput link, HashSet<string> ids, string? nodeId, ConfigurationErrors errors)
    {
        if (ConfigValues.Id(ConfigValues.Required(link.Id, ConfigPath.Key(link.Path, "id"), errors), errors) is not { } id)
        {
            return null;
        }

        if (!ids.Add(id))
        {
            errors.Add(link.Id!.Path, $"'{id}' is listed twice");
            return null;
        }

        if (id == nodeId)
        {
            errors.Add(link.Id!.Path, $"'{id}' is this node's own id");
            return null;
        }

        return id;
    }

    private static string? Existing(ConfigText? text, ConfigurationContext context, ConfigurationErrors errors)
    {
        var path = ConfigValues.FilePath(text, context.BaseDirectory);
        return text is not null && EnvironmentChecks.FileExists(path, text.Path, errors) ? path : null;
    }

    // The overlay authenticates a gateway by its certificate, and peers name it by its CN.
    // Returns whether the certificate could be read, so the key is checked against it only then.
    private static bool CheckCertificate(string certificatePath, string path, string? nodeId, ConfigurationErrors errors)
    {
        try
        {
            using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(certificatePath));
            var commonName = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
            if (nodeId is not null && commonName != nodeId)
            {
                errors.Add(path, $"the certificate's CN is '{commonName}' but node.id is '{nodeId}'");
            }

            return true;
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            errors.Add(path, $"'{certificatePath}' is not a readable PEM certificate ({e.Message})");
            return false;
        }
    }

    // The gateway proves it holds the certificate with this key; a key of another certificate fails only at the first handshake otherwise.
    private static void CheckKey(string certificatePath, string keyPath, string path, ConfigurationErrors errors)
    {
        try
        {
            using var certificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            errors.Add(path, $"'{keyPath}' is not a readable PEM private key");
        }
        catch (ArgumentException)
        {
            // CopyWithPrivateKey's way of saying the key belongs to another certificate.
            errors.Add(path, $"'{keyPath}' is not the private key of the certificate '{certificatePath}'");
        }
    }

    // Peers' certificates are checked against this CA; an end-entity certificate here trusts nobody.
    private static void CheckAuthority(string authorityPath, string path, ConfigurationErrors errors)
    {
        try
        {
            using var authority = X509Certificate2.CreateFromPem(File.ReadAllText(authorityPath));
            if (!authority.Extensions.OfType<X509BasicConstraintsExtension>().Any(c => c.CertificateAuthority))
            {
                errors.Add(path, $"'{authorityPath}' holds {authority.Subject}, which is not a CA certificate (basic constraints CA:TRUE missing)");
            }
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            errors.Add(path, $"'{authorityPath}' is not a readable PEM certificate ({e.Message})");
        }
    }
}
