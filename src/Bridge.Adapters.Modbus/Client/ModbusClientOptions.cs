using System.Globalization;
using System.Net;
using System.Net.Security;

namespace Bridge.Adapters.Modbus.Client;

/// <summary>
/// Where a <see cref="ModbusTcpClient"/> connects and how patient it is; <see cref="Validate"/>
/// lists every problem at once.
/// </summary>
public sealed record ModbusClientOptions
{
    /// <summary>The server (device or gateway): an <see cref="IPEndPoint"/> or a <see cref="DnsEndPoint"/>.</summary>
    public required EndPoint Server { get; init; }

    /// <summary>
    /// Requests sent before their answers came. 1 (the default) suits devices that handle one
    /// request at a time, as many do; a gateway or a server that says it pipelines can take more
    /// (the Implementation Guide's §4.2.1 lets a server queue several). Further calls wait their
    /// turn; the wait counts towards their timeout.
    /// </summary>
    public int MaxRequestsInFlight { get; init; } = 1;

    /// <summary>How long a call may take, from the call to the answer (waiting for a turn and connecting included).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one connection attempt (TCP and TLS) may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// After a failed connection attempt, calls fail at once (<see cref="ModbusFailure.NotConnected"/>)
    /// for this long before the next attempt; the delay doubles with each failure up to
    /// <see cref="MaxReconnectDelay"/> and is reset by a success. A connection that breaks is
    /// reconnected at the next call, without delay.
    /// </summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay between connection attempts.</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Modbus/TCP Security: TLS options (with a client certificate); null for plain Modbus TCP.</summary>
    public SslClientAuthenticationOptions? Tls { get; init; }

    /// <summary>Every problem with these options, each naming the property; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Server is null)
        {
            errors.Add("Server: required");
        }

        if (MaxRequestsInFlight is < 1 or > 256)
        {
            errors.Add(Invariant($"MaxRequestsInFlight: {MaxRequestsInFlight} is outside 1 to 256"));
        }

        foreach (var (name, value) in new[] { ("RequestTimeout", RequestTimeout), ("ConnectTimeout", ConnectTimeout), ("ReconnectDelay", ReconnectDelay) })
        {
            if (value <= TimeSpan.Zero)
            {
                errors.Add(Invariant($"{name}: {value} is not positive"));
            }
        }

        if (MaxReconnectDelay < ReconnectDelay)
        {
            errors.Add(Invariant($"MaxReconnectDelay: {MaxReconnectDelay} is shorter than ReconnectDelay ({ReconnectDelay})"));
        }

        return errors;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
