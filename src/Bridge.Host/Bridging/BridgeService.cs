using System.Net.Sockets;
using Bridge.Adapters.Amqp.Client;
using Bridge.Adapters.Mqtt.Broker;
using Bridge.Adapters.Mqtt.Client;
using Bridge.Core.Mapping;
using Bridge.Core.Routing;
using Bridge.Host.Configuration;
using Bridge.Multicast;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bridge.Host.Bridging;

/// <summary>
/// Runs one bridge: an MQTT side (embedded broker or client of a broker) and/or an AMQP side,
/// each routing its topics to groups through a <see cref="Router"/> over its part of the rules;
/// the groups of from-group rules are joined and their messages published by the side whose
/// rules want them. Groups with <c>lastValue</c> on get their latest retained value repeated.
/// <see cref="ApplyAsync"/> swaps in a new configuration while running: new tables, joins and
/// leaves, and a side restarted only when its connection settings or its subscriptions changed.
/// </summary>
internal sealed partial class BridgeService(BridgeSettings settings, ILoggerFactory loggers, TimeProvider time) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<BridgeService>();

    // Held while sides start, stop or change, so a reload never overlaps the start or another reload.
    private readonly SemaphoreSlim _changing = new(1, 1);
    private BridgeSettings _settings = settings;
    private MulticastSocket? _socket;
    private LastValueRepeater? _repeater;
    private Side? _mqtt;
    private Side? _amqp;

    /// <summary>The settings in force.</summary>
    public BridgeSettings Settings => Volatile.Read(ref _settings);

    /// <summary>
    /// Applies <paramref name="next"/>: swaps the routing tables, joins and leaves groups, and
    /// restarts a side only when it must. Before the bridge started, only remembers it.
    /// </summary>
    public async Task ApplyAsync(BridgeSettings next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        await _changing.WaitAsync(cancellationToken);
        try
        {
            var previous = _settings;
            if (_socket is null || _repeater is null)
            {
                Volatile.Write(ref _settings, next);
                return;
            }

            _mqtt = await ChangeSideAsync(_mqtt, RuleSource.Mqtt, previous, next, cancellationToken);
            _amqp = await ChangeSideAsync(_amqp, RuleSource.Amqp, previous, next, cancellationToken);
            var joined = previous.Rules.SourceGroups.ToHashSet();
            var wanted = next.Rules.SourceGroups.ToHashSet();
            foreach (var group in joined.Except(wanted))
            {
                _socket.Leave(group);
                Log.Left(_logger, group.WireName);
            }

            foreach (var group in wanted.Except(joined))
            {
                _socket.Join(group);
                Log.Joined(_logger, group.WireName);
            }

            _repeater.Use(next.LastValues);
            Volatile.Write(ref _settings, next);
        }
        finally
        {
            _changing.Release();
        }
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _changing.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var socket = MulticastSocket.Create(
            Settings.Interface,
            new MulticastSocketOptions { MemberReportInterval = TimeSpan.FromSeconds(2) },
            loggers.CreateLogger<MulticastSocket>(),
            time);
        var repeater = new LastValueRepeater(socket, time);
        await _changing.WaitAsync(stoppingToken);
        try
        {
            var current = _settings;
            repeater.Use(current.LastValues);
            _mqtt = await StartSideAsync(RuleSource.Mqtt, current, null, repeater, stoppingToken);
            try
            {
                _amqp = await StartSideAsync(RuleSource.Amqp, current, null, repeater, stoppingToken);
            }
            catch
            {
                // The host stops on this failure; the side that did start must not outlive it.
                await StopSideAsync(_mqtt);
                _mqtt = null;
                throw;
            }

            foreach (var group in current.Rules.SourceGroups)
            {
                socket.Join(group);
            }

            _socket = socket;
            _repeater = repeater;
            Log.Running(_logger, current.Rules.ToGroup.Count, current.Rules.FromGroup.Count, current.Interface.Name);
        }
        finally
        {
            _changing.Release();
        }

        using var stopRepeating = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var repeating = RepeatLastValuesAsync(repeater, stopRepeating.Token);
        try
        {
            await foreach (var message in socket.ReceiveAsync(stoppingToken))
            {
                // A bridge that sends to a group it also receives hears its own messages back
                // (multicast loopback); they came from its own side and go nowhere.
                if (message.SourceId == socket.SourceId)
                {
                    continue;
                }

                foreach (var side in (Side?[])[Volatile.Read(ref _mqtt), Volatile.Read(ref _amqp)])
                {
                    if (side is null)
                    {
                        continue;
                    }

                    try
                    {
                        await side.Router.RouteFromGroupAsync(message, side.Adapter, stoppingToken);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        Log.PublishFailed(_logger, message.Group.Canonical, message.Sequence, ex);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown.
        }
        finally
        {
            await stopRepeating.CancelAsync();
            await repeating;
            await _changing.WaitAsync(CancellationToken.None);
            try
            {
                await StopSideAsync(_mqtt);
                await StopSideAsync(_amqp);
                _mqtt = _amqp = null;
                _socket = null;
            }
            finally
            {
                _changing.Release();
            }
        }
    }

    private async Task RepeatLastValuesAsync(LastValueRepeater repeater, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                // With no last-value group, look again now and then: a reload may add one.
                await Task.Delay(repeater.CheckInterval ?? TimeSpan.FromSeconds(1), time, cancellationToken);
                try
                {
                    await repeater.RepeatDueAsync(cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.RepeatFailed(_logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task<Side?> ChangeSideAsync(Side? side, RuleSource source, BridgeSettings previous, BridgeSettings next, CancellationToken cancellationToken)
    {
        var table = next.Rules.ForSource(source);
        var connection = Connection(source, next);
        if (side is null || connection is null || !Equals(connection, Connection(source, previous)))
        {
            await StopSideAsync(side);
            return await StartSideAsync(source, next, side?.Router, _repeater!, cancellationToken);
        }

        // A broker client subscribes (binds) its filters when it connects; new filters need a new connection.
        var subscribes = side.Adapter is not EmbeddedMqttBroker;
        if (subscribes && !side.Router.Table.SubscriptionFilters.SequenceEqual(table.SubscriptionFilters))
        {
            Log.Restarting(_logger, source.ToString());
            await StopSideAsync(side);
            return await StartSideAsync(source, next, side.Router, _repeater!, cancellationToken);
        }

        side.Router.Table = table;
        return side;
    }

    private static object? Connection(RuleSource source, BridgeSettings settings) => source == RuleSource.Mqtt ? settings.Mqtt : settings.Amqp;

    private async Task<Side?> StartSideAsync(RuleSource source, BridgeSettings current, Router? router, IGroupSender sender, CancellationToken cancellationToken)
    {
        var table = current.Rules.ForSource(source);
        if (router is null)
        {
            router = new Router(table, sender);
        }
        else
        {
            router.Table = table;

            // A new connection (and an embedded broker's new retained store) needs the current values again.
            router.ForgetLastValues();
        }

        IAdapter? adapter = source switch
        {
            RuleSource.Mqtt when current.Mqtt is { } mqtt => await StartMqttAsync(mqtt, router, cancellationToken),
            RuleSource.Amqp when current.Amqp is { } amqp => await AmqpBrokerClient.StartAsync(
                AmqpSettings(amqp), router, loggers.CreateLogger<AmqpBrokerClient>(), time, cancellationToken),
            _ => null,
        };
        return adapter is null ? null : new Side(router, adapter);
    }

    private async Task<IAdapter> StartMqttAsync(MqttSection mqtt, Router router, CancellationToken cancellationToken)
    {
        if (mqtt.Listen is { } listen)
        {
            if (mqtt.Tls is not null)
            {
                // Listening in plain text where the file asks for TLS would be worse than not starting.
                throw new NotSupportedException("bridge.mqtt.tls: the embedded broker does not serve TLS yet");
            }

            var credentials = mqtt.Username is { } user ? new MqttCredentials(user, PasswordOf(mqtt) ?? string.Empty) : null;
            try
            {
                return await EmbeddedMqttBroker.StartAsync(listen, router, loggers.CreateLogger<EmbeddedMqttBroker>(), credentials);
            }
            catch (SocketException e)
            {
                // The socket's own words ("Address already in use") do not say which address.
                throw new IOException($"the embedded MQTT broker cannot listen on {listen}: {e.Message}", e);
            }
        }

        return await MqttBrokerClient.StartAsync(MqttSettings(mqtt), router, loggers.CreateLogger<MqttBrokerClient>(), time, cancellationToken);
    }

    private static async Task StopSideAsync(Side? side)
    {
        if (side is not null)
        {
            await side.Adapter.DisposeAsync();
        }
    }

    /// <summary>The MQTT client's settings for a client-mode <paramref name="mqtt"/> section.</summary>
    internal static MqttClientSettings MqttSettings(MqttSection mqtt)
    {
        var broker = mqtt.Broker ?? throw new ArgumentException("not a client-mode section", nameof(mqtt));
        var settings = new MqttClientSettings
        {
            Broker = broker,
            Protocol = mqtt.Protocol == Configuration.MqttProtocol.V311 ? Adapters.Mqtt.Client.MqttProtocol.V311 : Adapters.Mqtt.Client.MqttProtocol.V5,
            UserName = mqtt.Username,
            Password = PasswordOf(mqtt),
            Tls = mqtt.Tls is { } tls
                ? new MqttTlsSettings { CaCertificateFile = tls.Authority, ClientCertificateFile = tls.Certificate, ClientKeyFile = tls.Key }
                : null,
        };
        return mqtt.ClientId is null ? settings : settings with { ClientId = mqtt.ClientId };
    }

    /// <summary>The password of an MQTT section: written in the file, or read from its password file (without a trailing line break).</summary>
    private static string? PasswordOf(MqttSection mqtt) =>
        mqtt.PasswordFile is { } file ? File.ReadAllText(file).TrimEnd('\r', '\n') : mqtt.Password;

    /// <summary>The AMQP client's settings for <paramref name="amqp"/>.</summary>
    internal static AmqpClientSettings AmqpSettings(AmqpSection amqp)
    {
        // RabbitMQ refuses to declare an exchange named amq.*: those exist already.
        var settings = new AmqpClientSettings
        {
            Broker = amqp.Broker,
            Exchange = amqp.Exchange,
            DeclareExchange = !amqp.Exchange.StartsWith("amq.", StringComparison.Ordinal),
        };
        settings = amqp.ClientId is null ? settings : settings with { ClientId = amqp.ClientId };
        return amqp.Prefetch is { } prefetch ? settings with { Prefetch = (ushort)prefetch } : settings;
    }

    /// <summary>One running side: its router (kept across restarts) and its adapter.</summary>
    private sealed record Side(Router Router, IAdapter Adapter);

    private static partial class Log
    {
        [LoggerMessage(201, LogLevel.Information, "Bridge running: {ToGroup} to-group and {FromGroup} from-group rule(s) on {Interface}")]
        public static partial void Running(ILogger logger, int toGroup, int fromGroup, string @interface);

        [LoggerMessage(202, LogLevel.Error, "Publishing message {Sequence} of {Group} failed")]
        public static partial void PublishFailed(ILogger logger, string group, ulong sequence, Exception exception);

        [LoggerMessage(203, LogLevel.Information, "Joined {Group}")]
        public static partial void Joined(ILogger logger, string group);

        [LoggerMessage(204, LogLevel.Information, "Left {Group}")]
        public static partial void Left(ILogger logger, string group);

        [LoggerMessage(205, LogLevel.Information, "Restarting the {Source} side: its subscriptions changed")]
        public static partial void Restarting(ILogger logger, string source);

        [LoggerMessage(206, LogLevel.Warning, "Repeating last values failed")]
        public static partial void RepeatFailed(ILogger logger, Exception exception);
    }
}
