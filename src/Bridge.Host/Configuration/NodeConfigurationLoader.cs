using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Bridge.Core.Mapping;
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
        private readonly Dictionary<string, GroupName> _groups = new(StringComparer.Ordinal);

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
            var bridge = file.Has(Bridge) ? BridgeSection(file.Section(Bridge, "mqtt", "rules")) : null;
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
            ["role", "carry", "listen", "tls", "peers", "acceptLeaves", "upstreams", "heartbeat", "election"];

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

                var group = SectionReader.Open(value, path, errors, "uri");
                if (group is null)
                {
                    if (value is ConfigScalar { Text: null })
                    {
                        errors.Add(ConfigPath.Key(path, "uri"), "is required");
                    }

                    continue;
                }

                if (group.String("uri", required: true) is not { } uri)
                {
                    continue;
                }

                if (GroupName.TryParse(uri, out var name, out var error))
                {
                    _groups[id] = name;
                    groups.Add(new GroupDefinition(id, name));
                }
                else
                {
                    errors.Add(group.PathOf("uri"), error);
                }
            }

            return errors.Count == before ? new ValueList<GroupDefinition>(groups) : null;
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
                return new ValueList<GroupName>(_groups.Values);
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
                else if (GroupReference(id, path) is { } name)
                {
                    carried.Add(name);
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
            if (certificate is not null && node is not null)
            {
                CheckCommonName(certificate, section.PathOf("certificate"), node.Id);
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
        private void CheckCommonName(string certificatePath, string path, string nodeId)
        {
            try
            {
                using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(certificatePath));
                var commonName = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
                if (commonName != nodeId)
                {
                    errors.Add(path, $"the certificate's CN is '{commonName}' but node.id is '{nodeId}'");
                }
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
            {
                errors.Add(path, $"'{certificatePath}' is not a readable PEM certificate ({e.Message})");
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
            Uri? broker = null;
            string? clientId = null;
            IPEndPoint? listen = null;
            var mqtt = section.Section("mqtt", "broker", "listen", "clientId");
            if (mqtt is null)
            {
                errors.Add(section.PathOf("mqtt"), "is required (broker or listen)");
            }
            else
            {
                var brokerText = mqtt.String("broker");
                var listenText = mqtt.String("listen");
                clientId = mqtt.String("clientId");
                if (brokerText is not null && listenText is not null)
                {
                    errors.Add(mqtt.Path, "give broker or listen, not both");
                }
                else if (brokerText is null && listenText is null)
                {
                    errors.Add(mqtt.Path, "give broker (connect to a broker) or listen (run the embedded broker)");
                }

                broker = brokerText is null ? null : Broker(brokerText, mqtt.PathOf("broker"));
                listen = listenText is null ? null : EndPoint(listenText, mqtt.PathOf("listen"));
                if (clientId is not null && brokerText is null)
                {
                    errors.Add(mqtt.PathOf("clientId"), "only used with broker (client mode)");
                }
                else if (clientId is { Length: 0 })
                {
                    errors.Add(mqtt.PathOf("clientId"), "must not be empty; leave the key out for a generated one");
                }
            }

            var rules = Rules(section);
            return errors.Count == before && rules is not null
                ? new BridgeSection { Broker = broker, ClientId = clientId, Listen = listen, Rules = rules }
                : null;
        }

        private Uri? Broker(string text, string path)
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("mqtt" or "mqtts") || string.IsNullOrEmpty(uri.Host)
                || uri.AbsolutePath is not ("" or "/") || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.UserInfo))
            {
                errors.Add(path, $"'{text}' is not mqtt://host[:port] or mqtts://host[:port]");
                return null;
            }

            if (uri.Scheme == "mqtts")
            {
                // The format keeps mqtts:// for TLS to the broker; connecting in plain text instead would be worse than refusing.
                errors.Add(path, $"'{text}': mqtts (TLS to the broker) is not supported by the MQTT client yet; use mqtt://");
                return null;
            }

            return uri;
        }

        private ValueList<BridgeRule>? Rules(SectionReader section)
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

            var rules = new List<BridgeRule>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (value, indexPath) in items)
            {
                // Name the rule in paths once its name is known and unique: bridge.rules[tariffs].group.
                var name = value is ConfigMapping mapping && mapping.Entries.FirstOrDefault(e => e.Key == "name").Value is ConfigScalar { Text: { Length: > 0 } text }
                    ? text
                    : null;
                var unique = name is not null && names.Add(name);
                var path = unique ? ConfigPath.Named(section.PathOf("rules"), name!) : indexPath;
                if (SectionReader.Open(value, path, errors, "name", "direction", "topic", "group") is not { } rule)
                {
                    if (value is ConfigScalar { Text: null })
                    {
                        errors.Add(path, "expected a rule (name, direction, topic, group), found nothing");
                    }

                    continue;
                }

                rule.String("name", required: true);
                if (name is not null && !unique)
                {
                    errors.Add(rule.PathOf("name"), $"rule name '{name}' is used twice");
                }

                var directionText = rule.String("direction", required: true);
                RuleDirection? direction = directionText switch
                {
                    "to-group" => RuleDirection.ToGroup,
                    "from-group" => RuleDirection.FromGroup,
                    _ => null,
                };
                if (directionText is not null && direction is null)
                {
                    errors.Add(rule.PathOf("direction"), $"'{directionText}' must be to-group or from-group");
                }

                var topic = rule.String("topic", required: true);
                if (topic is not null)
                {
                    if (!TopicFilter.TryParse(topic, out var filter, out var error))
                    {
                        errors.Add(rule.PathOf("topic"), error);
                        topic = null;
                    }
                    else if (direction == RuleDirection.FromGroup && filter.HasWildcard)
                    {
                        errors.Add(rule.PathOf("topic"), $"topic '{topic}' to publish on must not hold '+' or '#'");
                        topic = null;
                    }
                }

                var group = rule.String("group", required: true) is { } groupId ? GroupReference(groupId, rule.PathOf("group")) : null;
                if (name is not null && direction is not null && topic is not null && group is not null)
                {
                    rules.Add(new BridgeRule(name, direction.Value, topic, group));
                }
            }

            return new ValueList<BridgeRule>(rules);
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

        private GroupName? GroupReference(string id, string path)
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
