using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Bridge.Host.Cli;
using Bridge.Multicast.Naming;
using Spectre.Console;

namespace Bridge.Host.Tools;

/// <summary>
/// A group name as <c>gridcast uri --json</c> prints it: its parts (null where the name has none)
/// and the technology addresses it maps to (null where it maps to none).
/// </summary>
internal sealed record UriResult(
    [property: JsonPropertyName("canonical")] string Canonical,
    [property: JsonPropertyName("namespace")] string Namespace,
    [property: JsonPropertyName("group")] string Group,
    [property: JsonPropertyName("instantiation")] string? Instantiation,
    [property: JsonPropertyName("port")] int? Port,
    [property: JsonPropertyName("secCredentials")] string? SecCredentials,
    [property: JsonPropertyName("ipv4")] string? IPv4,
    [property: JsonPropertyName("ipv6")] string? IPv6,
    [property: JsonPropertyName("source")] string? Source,
    [property: JsonPropertyName("wireName")] string WireName)
{
    public static UriResult From(GroupName name) => new(
        name.Canonical,
        name.Namespace,
        name.Group,
        name.Instantiation,
        name.Port,
        name.SecCredentials,
        name.Addresses.IPv4?.ToString(),
        name.Addresses.IPv6?.ToString(),
        name.Addresses.Source?.ToString(),
        name.WireName);
}

/// <summary>The JSON of <c>gridcast uri</c>: one object, field names fixed by <see cref="UriResult"/>.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(UriResult))]
internal sealed partial class UriJson : JsonSerializerContext;

/// <summary>
/// <c>gridcast uri NAME</c>: shows the parts of a group name and every technology address it
/// maps to, so an operator can see where a name's traffic goes before anything is sent.
/// </summary>
internal static class UriCommand
{
    public static Command Create()
    {
        var name = CommonOptions.Group();
        name.Description = "Group name: ham:namespace:group[@instantiation][:port][/alg;value] or namespace://group..., "
            + "e.g. ham:sg:ami.tariff.rtp, ham:ip:239.192.0.7:5000, ham:ip:[ff3e::8000:1]@[2001:db8::7]";
        var json = CommonOptions.Json();
        var command = new Command("uri", "Show the parts of a group name and the addresses it maps to") { name, json };
        command.SetAction(result =>
        {
            var group = result.GetRequiredValue(name);
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(UriResult.From(group), UriJson.Default.UriResult));
            }
            else
            {
                Print(group);
            }

            return GridcastCommand.Ok;
        });
        return command;
    }

    private static void Print(GroupName name)
    {
        var parts = new Table().Border(TableBorder.Rounded).AddColumns("part", "value");
        parts.AddRow("canonical", Markup.Escape(name.Canonical));
        parts.AddRow("wire name", Markup.Escape(name.WireName));
        parts.AddRow("namespace", Markup.Escape(name.Namespace));
        parts.AddRow("group", Markup.Escape(name.Group));
        parts.AddRow("instantiation", name.Instantiation is null ? "[grey]none[/]" : Markup.Escape(name.Instantiation));
        parts.AddRow("port", name.Port is { } port
            ? port.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"[grey]none (default {GroupName.DefaultPort})[/]"));
        parts.AddRow("sec-credentials", name.SecCredentials is null ? "[grey]none[/]" : Markup.Escape(name.SecCredentials));
        if (name.IsHashMapped)
        {
            parts.AddRow("hash key", Markup.Escape(GroupAddressMapping.HashKey(name.Namespace, name.Group, name.Instantiation)));
        }

        AnsiConsole.Write(parts);

        var addresses = new Table().Border(TableBorder.Rounded).AddColumns("technology", "address", "mapping");
        addresses.AddRow("IPv4", Address(name.Addresses.IPv4), Markup.Escape(MappingOf(name, name.Addresses.IPv4, GroupAddressMapping.IPv4Scope)));
        addresses.AddRow("IPv6", Address(name.Addresses.IPv6), Markup.Escape(MappingOf(name, name.Addresses.IPv6, GroupAddressMapping.IPv6Scope)));
        addresses.AddRow("source", name.Addresses.Source is { } source ? Markup.Escape(source.ToString()) : "[grey]any[/]",
            name.Addresses.Source is null ? string.Empty : "source-specific: the instantiation");
        AnsiConsole.Write(addresses);
    }

    private static string Address(IPEndPoint? endPoint)
        => endPoint is null ? "[grey]none[/]" : Markup.Escape(endPoint.ToString());

    private static string MappingOf(GroupName name, IPEndPoint? endPoint, IPNetwork scope)
    {
        if (endPoint is null)
        {
            return string.Empty;
        }

        return name.IsHashMapped ? $"hashed into {scope}" : "literal (ip namespace)";
    }
}
