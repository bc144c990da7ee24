using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Bridge.Core.Mapping;
using Bridge.Core.Routing;
using Bridge.Multicast.Naming;

namespace Bridge.Host.Configuration;

/// <summary>
/// Loads a node configuration file (docs/configuration.md) and checks all of it, reporting every
/// error at once: a bad key, value or reference never stops the check of the rest. Reads files
/// (the configuration and, to check them, the TLS certificate) and nothing else: no sockets, no
/// interface lookups; the host resolves the interface when it starts.
/// </summary>
public static class NodeConfigurationLoader
{
    /// <summary>
    /// Loads <paramref name="path"/>, YAML for <c>.yaml</c>/<c>.yml</c> and JSON for <c>.json</c>.
    /// Relative TLS paths resolve against the file's directory. The configuration is null exactly
    /// when there are errors.
    /// </summary>
    public static (NodeConfiguration? Configuration, IReadOnlyList<ConfigurationError> Errors) Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var format = FormatOf(path);
        if (format is null)
        {
            return (null, [new ConfigurationError(ConfigPath.Root, $"'{System.IO.Path.GetFileName(path)}' must end in .yaml, .yml or .json")]);
        }

        // The runtime's words for these ("Could not find file", "Access to the path is denied") mislead.
        if (Directory.Exists(path))
        {
            return (null, [new ConfigurationError(ConfigPath.Root, $"'{path}' is a directory, not a configuration file")]);
        }

        if (!File.Exists(path))
        {
            return (null, [new ConfigurationError(ConfigPath.Root, $"file '{System.IO.Path.GetFullPath(path)}' does not exist")]);
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, [new ConfigurationError(ConfigPath.Root, $"cannot read {path}: {e.Message}")]);
        }

        return Parse(text, format.Value, System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
    }

    /// <summary>
    /// Checks configuration <paramref name="text"/> in <paramref name="format"/>; relative TLS paths
    /// resolve against <paramref name="baseDirectory"/>.
    /// </summary>
    public static (NodeConfiguration? Configuration, IReadOnlyList<ConfigurationError> Errors) Parse(string text, ConfigurationFormat format, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrEmpty(baseDirectory);
        var errors = new ConfigurationErrors();
        var root = ConfigurationTreeReader.Read(text, format, errors);
        if (root is null)
        {
            return (null, errors.ToList());
        }

        var configuration = new Checker(errors, baseDirectory).Node(root);
        return errors.Count == 0 ? (configuration, []) : (null, errors.ToList());
    }

    /// <summary>The format of <paramref name="path"/> by its extension; null when it has none of ours.</summary>
    public static ConfigurationFormat? FormatOf(string path) => System.IO.Path.GetExtension(path).ToUpperInvariant() switch
    {
        ".YAML" or ".YML" => ConfigurationFormat.Yaml,
        ".JSON" => ConfigurationFormat.Json,
        _ => null,
    };

    /// <summary>The checks of one load. Each method returns null when its part has an error, after adding it.</summary>
    private sealed class Checker(ConfigurationErrors errors, string baseDirectory)
    {
        private const string Gateway = "gateway";
        private const string Bridge = "bridge";

        // Every group id written under `groups`, including those whose uri is wrong, so a
        // reference to one of those is not also reported as unknown.
        private readonly HashSet<string> _declaredGroups = new(StringComparer.Ordinal);
        private readonly Dictionary<string, GroupTemplate> _groups = new(StringComparer.Ordinal);

        public NodeConfiguration? Node(ConfigValue root)
        {
            if (root is ConfigScalar { Text: null })
            {
                errors.Add(ConfigPath.Root, "the file is empty");
                return null;
            }

            var file = SectionReader.Open(root, string.Empty, errors, "node", "groups", "domain", Gateway, Bridge);
            if (file is null)
            {
                return null;
            }

            var node = NodeSection(file);
            var groups = Groups(file);
            var domain = Domain(file);
            var gateway = file.Has(Gateway) ? GatewaySection(file.Section(Gateway, GatewayKeys), node) : null;
            var bridge = file.Has(Bridge) ? BridgeSection(file.Section(Bridge, "mqtt", "amqp", "rules")) : null;
            if (!file.Has(Gateway) && !file.Has(Bridge))
            {
                errors.Add(ConfigPath.Root, "a node needs a gateway section, a bridge section or both");
            }

            if (node is null || groups is null || domain is null || (file.Has(Gateway) && gateway is null) || (file.Has(Bridge) && bridge is null))
            {
                return null;
            }

            return new NodeConfiguration { Node = node, Groups = groups, Domain = domain, Gateway = gateway, Bridge = bridge };
        }

        private static readonly string[] GatewayKeys =
            ["role", "carry", "learnMembers", "listen", "tls", "peers", "acceptLeaves", "upstreams", "heartbeat", "election"];

        private NodeSection? NodeSection(SectionReader file)
        {
            var section = file.Section("node", "id");
            if (section is null)
            {
                if (!file.Has("node"))
                {
                    errors.Add("node", "is required");
                }

                return null;
            }

            var id = Id(section, "id", required: true);
            return id is null ? null : new NodeSection(id);
        }

        private ValueList<GroupDefinition>? Groups(SectionReader file)
        {
            var section = file.Section("groups");
            if (section is null)
            {
                if (!file.Has("groups"))
                {
                    errors.Add("groups", "at least one group is required");
                }

                return null;
            }

            if (section.Entries.Count == 0)
            {
                errors.Add("groups", "at least one group is required");
                return null;
            }

            var before = errors.Count;
            var groups = new List<GroupDefinition>();
            foreach (var (id, value) in section.Entries)
            {
                var path = section.PathOf(id);
                _declaredGroups.Add(id);
                if (!ValueSyntax.IsId(id))
                {
                    errors.Add(path, $"group id '{id}' must be 1 to {ValueSyntax.MaxIdLength} characters of A-Z a-z 0-9 . _ -");
                }

                var group = SectionReader.Open(value, path, errors, "uri", "lastValue");
                if (group is null)
                {
                    if (value is ConfigScalar { Text: null })
                    {
                        errors.Add(ConfigPath.Key(path, "uri"), "is required");
                    }

                    continue;
                }

                var lastValue = LastValue(group);
                if (group.String("uri", required: true) is not { } uri)
                {
                    continue;
                }

                if (GroupTemplate.TryParse(uri, out var template, out var error))
                {
                    _groups[id] = template;
                    groups.Add(new GroupDefinition(id, template, lastValue));
                }
                else
                {
                    errors.Add(group.PathOf("uri"), error);
                }
            }

            return errors.Count == before ? new ValueList<GroupDefinition>(groups) : null;
        }

        // lastValue: false (the default), true (refresh every 30s) or { refresh: DURATION }.
        private LastValueSettings? LastValue(SectionReader group)
        {
            switch (group.Value("lastValue"))
            {
                case null or ConfigScalar { Text: null }:
                    return null;
                case ConfigScalar:
                    return group.Boolean("lastValue") == true ? new LastValueSettings(LastValueSettings.DefaultRefresh) : null;
                default:
                    var section = group.Section("lastValue", "refresh");
                    var refresh = section?.Duration("refresh");
                    if (section is not null && !section.Has("refresh"))
                    {
                        errors.Add(section.PathOf("refresh"), "is required (or write lastValue: true for every 30s)");
                    }

                    return refresh is null ? null : new LastValueSettings(refresh.Value.Value);
            }
        }

        private DomainSection? Domain(SectionReader file)
        {
            var section = file.Section("domain", "interface", "ttl", "loopback");
            if (section is null)
            {
                return file.Has("domain") ? null : DomainSection.Default;
            }

            var before = errors.Count;
            var defaults = DomainSection.Default;
            var domain = new DomainSection(
                section.String("interface"),
                section.Integer("ttl", 1, 255) ?? defaults.TimeToLive,
                section.Boolean("loopback") ?? defaults.Loopback);
            if (domain.Interface is { Length: 0 })
            {
                errors.Add(section.PathOf("interface"), "must not be empty; leave the key out for the default interface");
            }

            return errors.Count == before ? domain : null;
        }

        private GatewaySection? GatewaySection(SectionReader? section, NodeSection? node)
        {
            if (section is null)
            {
                return null;
            }

            var before = errors.Count;
            var roleText = section.String("role", required: true);
            GatewayRole? role = roleText switch
            {
                null => null,
                "transit" => GatewayRole.Transit,
                "leaf" => GatewayRole.Leaf,
                _ => null,
            };
            if (roleText is not null && role is null)
            {
                errors.Add(section.PathOf("role"), $"'{roleText}' must be transit or leaf");
            }

            var carry = Carry(section);
            var listen = Listen(section, role);
            var tls = Tls(section.Section("tls", "certificate", "key", "authority"), section.PathOf("tls"), node);
            var peers = Peers(section, role, node);
            var acceptLeaves = section.Boolean("acceptLeaves");
            var learnMembers = section.Boolean("learnMembers");
            if (role == GatewayRole.Leaf && section.Has("acceptLeaves"))
            {
                errors.Add(section.PathOf("acceptLeaves"), "only a transit gateway accepts leaves");
            }

            var upstreams = Upstreams(section, role, node);
            var heartbeat = section.Section("heartbeat", "interval", "deadAfter");
            var interval = heartbeat?.Duration("interval");
            var deadAfter = heartbeat?.Duration("deadAfter");
            var defaults = new GatewaySection { Role = default, Carry = [], Tls = new("", "", ""), Peers = [], Upstreams = [] };
            var election = section.Section("election", "priority", "helloInterval", "holdTime");
            var priority = election?.Integer("priority", 0, 255);
            var hello = election?.Duration("helloInterval");
            var hold = election?.Duration("holdTime");
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
                HeartbeatInterval = interval?.Value ?? defaults.HeartbeatInterval,
                DeadAfter = deadAfter?.Value ?? defaults.DeadAfter,
                Priority = priority ?? defaults.Priority,
                HelloInterval = hello?.Value ?? defaults.HelloInterval,
                HoldTime = hold?.Value ?? defaults.HoldTime,
            };
            // Compare only values that were read: a bad one is reported already, and a default is no news.
            if (heartbeat is not null && Read(heartbeat, "interval", interval) && Read(heartbeat, "deadAfter", deadAfter)
                && gateway.DeadAfter <= gateway.HeartbeatInterval)
            {
                errors.Add(heartbeat.PathOf("deadAfter"), $"'{deadAfter?.Text ?? "4s"}' must be longer than interval '{interval?.Text ?? "1s"}'");
            }

            if (election is not null && Read(election, "helloInterval", hello) && Read(election, "holdTime", hold)
                && gateway.HoldTime <= gateway.HelloInterval)
            {
                errors.Add(election.PathOf("holdTime"), $"'{hold?.Text ?? "350ms"}' must be longer than helloInterval '{hello?.Text ?? "100ms"}'");
            }

            return errors.Count == before ? gateway : null;
        }

        // Whether a duration key is absent (its default applies) or was read without error.
        private static bool Read(SectionReader section, string key, (TimeSpan, string)? value) => value is not null || !section.Has(key);

        private ValueList<GroupName>? Carry(SectionReader section)
        {
            if (!section.Has("carry"))
            {
                return new ValueList<GroupName>(_groups.Values.Where(t => t.Name is not null).Select(t => t.Name!));
            }

            var items = section.List("carry");
            if (items is null)
            {
                return null;
            }

            var carried = new List<GroupName>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (value, path) in items)
            {
                if (ScalarText(value, path) is not { } id)
                {
                    continue;
                }

                if (!seen.Add(id))
                {
                    errors.Add(path, $"group '{id}' is listed twice");
                }
                else if (GroupReference(id, path) is { } template)
                {
                    if (template.Name is { } name)
                    {
                        carried.Add(name);
                    }
                    else
                    {
                        errors.Add(path, $"group '{id}' ({template.Text}) has placeholders; a gateway carries groups with one name each");
                    }
                }
            }

            return new ValueList<GroupName>(carried);
        }

        private IPEndPoint? Listen(SectionReader section, GatewayRole? role)
        {
            var text = section.String("listen");
            if (role == GatewayRole.Leaf && text is not null)
            {
                errors.Add(section.PathOf("listen"), "a leaf gateway does not listen; remove this key");
                return null;
            }

            if (role == GatewayRole.Transit && text is null && !section.Has("listen"))
            {
                errors.Add(section.PathOf("listen"), "is required for a transit gateway");
                return null;
            }

            return text is null ? null : EndPoint(text, section.PathOf("listen"));
        }

        private TlsFiles? Tls(SectionReader? section, string path, NodeSection? node)
        {
            if (section is null)
            {
                errors.Add(path, "is required (certificate, key and authority)");
                return null;
            }

            var certificate = TlsFile(section, "certificate");
            var key = TlsFile(section, "key");
            var authority = TlsFile(section, "authority");
            var readable = certificate is not null && CheckCertificate(certificate, section.PathOf("certificate"), node?.Id);
            if (readable && key is not null)
            {
                CheckKey(certificate!, key, section.PathOf("key"));
            }

            if (authority is not null)
            {
                CheckAuthority(authority, section.PathOf("authority"));
            }

            return certificate is null || key is null || authority is null ? null : new TlsFiles(certificate, key, authority);
        }

        private string? TlsFile(SectionReader section, string key)
        {
            if (section.String(key, required: true) is not { } text)
            {
                return null;
            }

            var path = System.IO.Path.GetFullPath(text, baseDirectory);
            if (!File.Exists(path))
            {
                errors.Add(section.PathOf(key), $"file '{path}' does not exist");
                return null;
            }

            return path;
        }

        // The overlay authenticates a gateway by its certificate, and peers name it by its CN.
        // Returns whether the certificate could be read, so the key is checked against it only then.
        private bool CheckCertificate(string certificatePath, string path, string? nodeId)
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
        private void CheckKey(string certificatePath, string keyPath, string path)
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
        private void CheckAuthority(string authorityPath, string path)
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

        private ValueList<PeerDefinition>? Peers(SectionReader section, GatewayRole? role, NodeSection? node)
        {
            if (!section.Has("peers"))
            {
                return new ValueList<PeerDefinition>([]);
            }

            if (role == GatewayRole.Leaf)
            {
                errors.Add(section.PathOf("peers"), "only a transit gateway has peers; a leaf has upstreams");
                return null;
            }

            var items = section.List("peers");
            if (items is null)
            {
                return null;
            }

            var peers = new List<PeerDefinition>();
            var ids = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (value, path) in items)
            {
                if (SectionReader.Open(value, path, errors, "id", "address") is not { } peer)
                {
                    if (value is ConfigScalar { Text: null })
                    {
                        errors.Add(path, "expected a mapping with id and address, found nothing");
                    }

                    continue;
                }

                var id = PeerId(peer, ids, node);
                var address = peer.String("address") is { } text ? HostPort(text, peer.PathOf("address")) : null;
                if (id is not null)
                {
                    peers.Add(new PeerDefinition(id, address));
                }
            }

            return new ValueList<PeerDefinition>(peers);
        }

        private ValueList<UpstreamDefinition>? Upstreams(SectionReader section, GatewayRole? role, NodeSection? node)
        {
            var path = section.PathOf("upstreams");
            if (role == GatewayRole.Transit)
            {
                if (section.Has("upstreams"))
                {
                    errors.Add(path, "only a leaf gateway has upstreams; a transit gateway has peers");
                }

                return new ValueList<UpstreamDefinition>([]);
            }

            var items = section.List("upstreams");
            if (items is null)
            {
                if (role == GatewayRole.Leaf && !section.Has("upstreams"))
                {
                    errors.Add(path, "is required for a leaf gateway (1 or 2 upstreams)");
                }

                return null;
            }

            if (role == GatewayRole.Leaf && items.Count is < 1 or > 2)
            {
                errors.Add(path, $"a leaf gateway has 1 or 2 upstreams, not {items.Count}");
            }

            var upstreams = new List<UpstreamDefinition>();
            var ids = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (value, itemPath) in items)
            {
                if (SectionReader.Open(value, itemPath, errors, "id", "address") is not { } upstream)
                {
                    continue;
                }

                var id = PeerId(upstream, ids, node);
                var address = upstream.String("address", required: true) is { } text ? HostPort(text, upstream.PathOf("address")) : null;
                if (id is not null && address is not null)
                {
                    upstreams.Add(new UpstreamDefinition(id, address));
                }
            }

            return new ValueList<UpstreamDefinition>(upstreams);
        }

        private string? PeerId(SectionReader peer, HashSet<string> ids, NodeSection? node)
        {
            var id = Id(peer, "id", required: true);
            if (id is null)
            {
                return null;
            }

            if (!ids.Add(id))
            {
                errors.Add(peer.PathOf("id"), $"'{id}' is listed twice");
                return null;
            }

            if (id == node?.Id)
            {
                errors.Add(peer.PathOf("id"), $"'{id}' is this node's own id");
                return null;
            }

            return id;
        }

        private BridgeSection? BridgeSection(SectionReader? section)
        {
            if (section is null)
            {
                return null;
            }

            var before = errors.Count;
            var mqtt = section.Has("mqtt") ? MqttSection(section.Section("mqtt", "broker", "listen", "clientId", "protocol", "username", "password", "passwordFile", "tls")) : null;
            var amqp = section.Has("amqp") ? AmqpSection(section.Section("amqp", "broker", "exchange", "clientId", "prefetch")) : null;
            if (!section.Has("mqtt") && !section.Has("amqp"))
            {
                errors.Add(section.Path, "give mqtt, amqp or both: the brokers the rules map from and to");
            }

            var rules = Rules(section);
            return errors.Count == before && rules is not null
                ? new BridgeSection { Mqtt = mqtt, Amqp = amqp, Rules = rules }
                : null;
        }

        private MqttSection? MqttSection(SectionReader? mqtt)
        {
            if (mqtt is null)
            {
                return null;
            }

            var brokerText = mqtt.String("broker");
            var listenText = mqtt.String("listen");
            var clientId = mqtt.String("clientId");
            if (brokerText is not null && listenText is not null)
            {
                errors.Add(mqtt.Path, "give broker or listen, not both");
            }
            else if (brokerText is null && listenText is null)
            {
                errors.Add(mqtt.Path, "give broker (connect to a broker) or listen (run the embedded broker)");
            }

            var broker = brokerText is null ? null : MqttBroker(brokerText, mqtt.PathOf("broker"));
            var listen = listenText is null ? null : EndPoint(listenText, mqtt.PathOf("listen"));
            if (clientId is not null && brokerText is null)
            {
                errors.Add(mqtt.PathOf("clientId"), "only used with broker (client mode)");
            }
            else if (clientId is { Length: 0 })
            {
                errors.Add(mqtt.PathOf("clientId"), "must not be empty; leave the key out for a generated one");
            }

            var protocolText = mqtt.String("protocol");
            MqttProtocol? protocol = protocolText switch
            {
                null => null,
                "3.1.1" => MqttProtocol.V311,
                "5" or "5.0" => MqttProtocol.V5,
                _ => null,
            };
            if (protocolText is not null && protocol is null)
            {
                errors.Add(mqtt.PathOf("protocol"), $"'{protocolText}' must be 3.1.1 or 5");
            }

            var username = mqtt.String("username");
            var password = mqtt.String("password");
            var passwordFile = mqtt.String("passwordFile") is { } file ? ExistingFile(file, mqtt.PathOf("passwordFile")) : null;
            if (password is not null && mqtt.Has("passwordFile"))
            {
                errors.Add(mqtt.PathOf("passwordFile"), "give password or passwordFile, not both");
            }

            // An embedded broker takes a user name and password too: the ones head-ends must log in with.
            foreach (var key in (string[])["protocol"])
            {
                if (brokerText is null && listenText is not null && mqtt.Has(key))
                {
                    errors.Add(mqtt.PathOf(key), "only used with broker (client mode)");
                }
            }

            if ((password is not null || mqtt.Has("passwordFile")) && username is null)
            {
                errors.Add(mqtt.PathOf("username"), "is required with a password");
            }

            MqttTlsFiles? tls = null;
            if (mqtt.Section("tls", "authority", "certificate", "key") is { } tlsSection)
            {
                tls = new MqttTlsFiles(
                    tlsSection.String("authority") is { } authority ? ExistingFile(authority, tlsSection.PathOf("authority")) : null,
                    tlsSection.String("certificate") is { } certificate ? ExistingFile(certificate, tlsSection.PathOf("certificate")) : null,
                    tlsSection.String("key") is { } key ? ExistingFile(key, tlsSection.PathOf("key")) : null);
                if (tlsSection.Has("certificate") != tlsSection.Has("key"))
                {
                    errors.Add(tlsSection.Path, "give certificate and key together");
                }

                if (broker is not null && broker.Scheme != "mqtts")
                {
                    errors.Add(tlsSection.Path, $"TLS settings need an mqtts:// broker, not '{brokerText}'");
                }
                else if (listenText is not null && !tlsSection.Has("certificate"))
                {
                    errors.Add(tlsSection.Path, "an embedded broker with TLS needs its certificate and key");
                }
            }

            return new MqttSection
            {
                Broker = broker,
                Listen = listen,
                ClientId = clientId,
                Protocol = protocol ?? MqttProtocol.V5,
                Username = username,
                Password = password,
                PasswordFile = passwordFile,
                Tls = tls,
            };
        }

        private AmqpSection? AmqpSection(SectionReader? amqp)
        {
            if (amqp is null)
            {
                return null;
            }

            var broker = amqp.String("broker", required: true) is { } text ? AmqpBroker(text, amqp.PathOf("broker")) : null;
            var exchange = amqp.String("exchange", required: true);
            if (exchange is { Length: 0 } || (exchange is not null && exchange.Length > 255))
            {
                errors.Add(amqp.PathOf("exchange"), "must be 1 to 255 characters");
                exchange = null;
            }

            var clientId = amqp.String("clientId");
            if (clientId is { Length: 0 })
            {
                errors.Add(amqp.PathOf("clientId"), "must not be empty; leave the key out for a generated one");
            }

            var prefetch = amqp.Integer("prefetch", 1, ushort.MaxValue);
            return broker is null || exchange is null
                ? null
                : new AmqpSection { Broker = broker, Exchange = exchange, ClientId = clientId, Prefetch = prefetch };
        }

        private Uri? MqttBroker(string text, string path)
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("mqtt" or "mqtts") || string.IsNullOrEmpty(uri.Host)
                || uri.AbsolutePath is not ("" or "/") || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.UserInfo))
            {
                errors.Add(path, $"'{text}' is not mqtt://host[:port] or mqtts://host[:port]");
                return null;
            }

            return PortInRange(uri, text, path) ? uri : null;
        }

        private Uri? AmqpBroker(string text, string path)
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps") || string.IsNullOrEmpty(uri.Host)
                || uri.AbsolutePath.TrimStart('/').Contains('/', StringComparison.Ordinal) || !string.IsNullOrEmpty(uri.Query))
            {
                errors.Add(path, $"'{text}' is not amqp://[user:password@]host[:port][/vhost] or amqps://...");
                return null;
            }

            return PortInRange(uri, text, path) ? uri : null;
        }

        // Uri accepts port 0; a broker cannot listen there.
        private bool PortInRange(Uri uri, string text, string path)
        {
            if (uri.IsDefaultPort || uri.Port is > 0 and <= 65535)
            {
                return true;
            }

            errors.Add(path, $"'{text}': port {uri.Port} is not from 1 to 65535");
            return false;
        }

        private string? ExistingFile(string text, string path)
        {
            var full = System.IO.Path.GetFullPath(text, baseDirectory);
            if (!File.Exists(full))
            {
                errors.Add(path, $"file '{full}' does not exist");
                return null;
            }

            return full;
        }

        private static readonly string[] RuleKeys = ["name", "mqtt", "amqp", "topic", "direction", "group", "groups", "guarantee", "values"];

        private ValueList<MappingRule>? Rules(SectionReader section)
        {
            var items = section.List("rules");
            if (items is null || items.Count == 0)
            {
                if (items is not null || !section.Has("rules"))
                {
                    errors.Add(section.PathOf("rules"), "a bridge needs at least one rule");
                }

                return null;
            }

            var rules = new List<MappingRule>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            var paths = new Dictionary<MappingRule, string>(ReferenceEqualityComparer.Instance);
            foreach (var (value, indexPath) in items)
            {
                // Name the rule in paths once its name is known and unique: bridge.rules[tariffs].group.
                var name = value is ConfigMapping mapping && mapping.Entries.FirstOrDefault(e => e.Key == "name").Value is ConfigScalar { Text: { Length: > 0 } text }
                    ? text
                    : null;
                var unique = name is not null && names.Add(name);
                var path = unique ? ConfigPath.Named(section.PathOf("rules"), name!) : indexPath;
                if (SectionReader.Open(value, path, errors, RuleKeys) is not { } reader)
                {
                    if (value is ConfigScalar { Text: null })
                    {
                        errors.Add(path, "expected a rule (name, mqtt or amqp, direction, group), found nothing");
                    }

                    continue;
                }

                reader.String("name", required: true);
                if (name is not null && !unique)
                {
                    errors.Add(reader.PathOf("name"), $"rule name '{name}' is used twice");
                }

                if (Rule(reader, name, section) is { } rule && unique)
                {
                    rules.Add(rule);
                    paths[rule] = reader.PathOf(TopicKey(reader));
                }
            }

            foreach (var loop in MappingLoops.Find(rules))
            {
                errors.Add(
                    paths[loop.Publisher],
                    ReferenceEquals(loop.Publisher, loop.Reader)
                        ? $"a loop through the broker: the rule publishes group '{loop.From.WireName}' on '{Shown(loop.Publisher, loop.Topic)}' and takes that topic back into group '{loop.To.WireName}'"
                        : $"a loop through the broker: the rule publishes group '{loop.From.WireName}' on '{Shown(loop.Publisher, loop.Topic)}', which rule '{loop.Reader.Name}' takes back into group '{loop.To.WireName}'");
            }

            return new ValueList<MappingRule>(rules);
        }

        // A topic as the file writes it: AMQP rules write routing keys.
        private static string Shown(MappingRule rule, string topic) => rule.Source == RuleSource.Amqp ? SwapSeparators(topic) : topic;

        private static string SwapSeparators(string text) => string.Concat(text.Select(c => c switch { '.' => '/', '/' => '.', _ => c }));

        private static string TopicKey(SectionReader rule) => rule.Has("amqp") ? "amqp" : rule.Has("mqtt") ? "mqtt" : "topic";

        private MappingRule? Rule(SectionReader rule, string? name, SectionReader bridge)
        {
            var before = errors.Count;
            var directionText = rule.String("direction", required: true);
            RuleDirection? direction = directionText switch
            {
                "to-group" => RuleDirection.ToGroup,
                "from-group" => RuleDirection.FromGroup,
                "both" => RuleDirection.Both,
                _ => null,
            };
            if (directionText is not null && direction is null)
            {
                errors.Add(rule.PathOf("direction"), $"'{directionText}' must be to-group, from-group or both");
            }

            var guaranteeText = rule.String("guarantee");
            DeliveryGuarantee? guarantee = guaranteeText switch
            {
                null or "at-least-once" => DeliveryGuarantee.AtLeastOnce,
                "at-most-once" => DeliveryGuarantee.AtMostOnce,
                _ => null,
            };
            if (guarantee is null)
            {
                errors.Add(rule.PathOf("guarantee"), $"'{guaranteeText}' must be at-most-once or at-least-once");
            }

            var (source, topic) = RuleTopic(rule, direction, bridge);
            var groups = RuleGroups(rule);
            var values = RuleValues(rule, topic);
            if (topic is not null && groups is not null)
            {
                CheckPlaceholders(rule, topic, groups, values, direction);
            }

            if (errors.Count != before || name is null || direction is null || guarantee is null || topic is null || groups is null || values is null)
            {
                return null;
            }

            return new MappingRule
            {
                Name = name,
                Source = source,
                Topic = topic,
                Groups = new ValueList<GroupTemplate>(groups.Select(g => g.Template)),
                Direction = direction.Value,
                Guarantee = guarantee.Value,
                Values = values,
            };
        }

        // Exactly one of mqtt, amqp and topic (the older name of mqtt).
        private (RuleSource Source, TopicTemplate? Topic) RuleTopic(SectionReader rule, RuleDirection? direction, SectionReader bridge)
        {
            var given = ((string[])["mqtt", "amqp", "topic"]).Where(rule.Has).ToList();
            if (given.Count == 0)
            {
                errors.Add(rule.PathOf("mqtt"), "is required: give mqtt (a topic template) or amqp (a routing-key template)");
                return (RuleSource.Mqtt, null);
            }

            if (given.Count > 1)
            {
                errors.Add(rule.PathOf(given[1]), $"give one of mqtt and amqp, not {string.Join(" and ", given)}");
                return (RuleSource.Mqtt, null);
            }

            var key = given[0];
            var source = key == "amqp" ? RuleSource.Amqp : RuleSource.Mqtt;
            var path = rule.PathOf(key);
            if (rule.String(key) is not { } text)
            {
                return (source, null);
            }

            var adapter = source == RuleSource.Amqp ? "amqp" : "mqtt";
            if (!bridge.Has(adapter))
            {
                errors.Add(path, $"an {adapter} rule needs bridge.{adapter}");
            }

            TopicTemplate? topic;
            string? error;
            var parsed = source == RuleSource.Amqp
                ? TopicTemplate.TryParseRoutingKey(text, out topic, out error)
                : TopicTemplate.TryParse(text, out topic, out error);
            if (!parsed)
            {
                errors.Add(path, error!);
                return (source, null);
            }

            if (direction is RuleDirection.FromGroup or RuleDirection.Both && topic!.HasWildcard)
            {
                errors.Add(path, $"{(source == RuleSource.Amqp ? "routing key" : "topic")} '{text}' to publish on must not hold {(source == RuleSource.Amqp ? "'*' or '#'" : "'+' or '#'")}");
                return (source, null);
            }

            return (source, topic);
        }

        // group: ID or groups: [ID, ...], each with the path errors about it name.
        private List<(string Id, GroupTemplate Template, string Path)>? RuleGroups(SectionReader rule)
        {
            if (rule.Has("group") && rule.Has("groups"))
            {
                errors.Add(rule.PathOf("groups"), "give group or groups, not both");
                return null;
            }

            var references = new List<(string Id, string Path)>();
            if (rule.Has("groups"))
            {
                var items = rule.List("groups");
                if (items is null)
                {
                    return null;
                }

                if (items.Count == 0)
                {
                    errors.Add(rule.PathOf("groups"), "at least one group is required");
                    return null;
                }

                foreach (var (value, path) in items)
                {
                    if (ScalarText(value, path) is { } id)
                    {
                        if (references.Any(r => r.Id == id))
                        {
                            errors.Add(path, $"group '{id}' is listed twice");
                        }

                        references.Add((id, path));
                    }
                }
            }
            else if (rule.String("group", required: true) is { } id)
            {
                references.Add((id, rule.PathOf("group")));
            }

            var groups = new List<(string, GroupTemplate, string)>();
            var before = errors.Count;
            foreach (var (id, path) in references)
            {
                if (GroupReference(id, path) is { } template)
                {
                    groups.Add((id, template, path));
                }
                else if (_declaredGroups.Contains(id))
                {
                    // Its uri is in error already; the rule cannot be built, but needs no second report.
                    return null;
                }
            }

            return errors.Count == before && groups.Count == references.Count ? groups : null;
        }

        // values: { name: [value, ...] }; an empty mapping is the same as none.
        private Dictionary<string, IReadOnlyList<string>>? RuleValues(SectionReader rule, TopicTemplate? topic)
        {
            var values = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            if (rule.Section("values") is not { } section)
            {
                return rule.Has("values") ? null : values;
            }

            var before = errors.Count;
            foreach (var (name, _) in section.Entries)
            {
                var path = section.PathOf(name);
                if (topic is not null && !topic.Placeholders.Contains(name, StringComparer.Ordinal))
                {
                    errors.Add(path, $"{{{name}}} is not a placeholder of the rule's topic");
                    continue;
                }

                var items = section.List(name);
                if (items is null)
                {
                    if (!section.Has(name))
                    {
                        errors.Add(path, "expected a list of values, found nothing");
                    }

                    continue;
                }

                var list = new List<string>();
                foreach (var (value, itemPath) in items)
                {
                    if (ScalarText(value, itemPath) is not { } text)
                    {
                        continue;
                    }

                    if (!Placeholders.IsValue(text))
                    {
                        errors.Add(itemPath, $"'{text}' must be letters, digits, '-' and '_'");
                    }
                    else if (list.Contains(text, StringComparer.Ordinal))
                    {
                        errors.Add(itemPath, $"'{text}' is listed twice");
                    }
                    else
                    {
                        list.Add(text);
                    }
                }

                if (items.Count == 0)
                {
                    errors.Add(path, "at least one value is required");
                }

                values[name] = new ValueList<string>(list);
            }

            return errors.Count == before ? values : null;
        }

        // Every placeholder of the topic is in every group URI and back; a from-group rule has
        // values for each, and each combination of values makes a group name.
        private void CheckPlaceholders(
            SectionReader rule, TopicTemplate topic, List<(string Id, GroupTemplate Template, string Path)> groups,
            Dictionary<string, IReadOnlyList<string>>? values, RuleDirection? direction)
        {
            var topicPath = rule.PathOf(TopicKey(rule));
            foreach (var (id, template, path) in groups)
            {
                foreach (var missing in topic.Placeholders.Except(template.Placeholders, StringComparer.Ordinal))
                {
                    errors.Add(path, $"group '{id}' ({template.Text}) has no {{{missing}}}, which the topic has: the topic's value would be lost");
                }

                foreach (var extra in template.Placeholders.Except(topic.Placeholders, StringComparer.Ordinal))
                {
                    errors.Add(topicPath, $"'{rule.String(TopicKey(rule))}' has no {{{extra}}}, which group '{id}' ({template.Text}) needs");
                }
            }

            if (values is null || direction is not (RuleDirection.FromGroup or RuleDirection.Both))
            {
                return;
            }

            var unvalued = topic.Placeholders.Where(p => !values.ContainsKey(p)).ToList();
            if (unvalued.Count > 0)
            {
                errors.Add(
                    rule.PathOf("values"),
                    $"a rule that carries groups to the broker needs the values of {string.Join(", ", unvalued.Select(p => $"{{{p}}}"))}, to know which groups to join");
                return;
            }

            foreach (var bindings in Placeholders.Combinations(topic.Placeholders, values))
            {
                foreach (var (id, template, _) in groups)
                {
                    if (!template.TryExpand(bindings, out _, out var error))
                    {
                        errors.Add(
                            rule.PathOf("values"),
                            $"{string.Join(", ", bindings.Select(b => $"{b.Key}={b.Value}"))} makes no name of group '{id}': {error}");
                        return;
                    }
                }
            }
        }

        private string? Id(SectionReader section, string key, bool required)
        {
            var id = section.String(key, required);
            if (id is not null && !ValueSyntax.IsId(id))
            {
                errors.Add(section.PathOf(key), $"'{id}' must be 1 to {ValueSyntax.MaxIdLength} characters of A-Z a-z 0-9 . _ -");
                return null;
            }

            return id;
        }

        private GroupTemplate? GroupReference(string id, string path)
        {
            if (_groups.TryGetValue(id, out var name))
            {
                return name;
            }

            if (!_declaredGroups.Contains(id))
            {
                errors.Add(path, $"unknown group '{id}'");
            }

            return null;
        }

        private string? ScalarText(ConfigValue value, string path)
        {
            if (value is ConfigScalar { Text: { } text })
            {
                return text;
            }

            errors.Add(path, $"expected a value, found {(value is ConfigScalar ? "nothing" : value.Kind)}");
            return null;
        }

        private IPEndPoint? EndPoint(string text, string path)
        {
            if (ValueSyntax.TryParseEndPoint(text, out var endPoint))
            {
                return endPoint;
            }

            errors.Add(path, $"'{text}' is not address:port (e.g. 0.0.0.0:7946 or [::]:7946)");
            return null;
        }

        private HostPort? HostPort(string text, string path)
        {
            if (ValueSyntax.TryParseHostPort(text, out var hostPort))
            {
                return hostPort;
            }

            errors.Add(path, $"'{text}' is not host:port");
            return null;
        }
    }
}
