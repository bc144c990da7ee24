using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Bridge.Adapters.Iec61850.Adapter.Mms;
using Bridge.Adapters.Iec61850.Client;
using Bridge.Adapters.Iec61850.Client.Model;
using Bridge.Adapters.Iec61850.Mms.Association;
using Bridge.Adapters.Iec61850.Mms.Data;
using Bridge.Core.Configuration;
using Bridge.Host.Cli;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Bridge.Host.Iec61850;

/// <summary>
/// <c>gridcast iec61850 browse HOST[:PORT]</c> prints an IED's model as a tree (logical devices,
/// logical nodes, data objects and attributes with FC and type, report control blocks, data sets);
/// <c>gridcast iec61850 read HOST[:PORT] REF</c> prints one value. Both with <c>--json</c>.
/// docs/iec61850-mms.md.
/// </summary>
internal static class Iec61850Command
{
    public static Command Create()
    {
        var command = new Command("iec61850", "Look at an IEC 61850 IED over MMS: browse its model, read a value");
        command.Subcommands.Add(Browse());
        command.Subcommands.Add(Read());
        return command;
    }

    private static Argument<HostPort> Ied() => new("HOST[:PORT]")
    {
        Description = "The IED's MMS server, such as 10.0.0.5 or 10.0.0.5:102 (port 102 when none is given)",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
            if (ValueSyntax.TryParseHostPort(text, out var hostPort) && hostPort.Port is > 0 and < 65536)
            {
                return hostPort;
            }

            if (text.Length > 0 && !text.Contains(':', StringComparison.Ordinal))
            {
                return new HostPort(text, MmsAssociationOptions.DefaultPort);
            }

            result.AddError($"'{text}' is not HOST or HOST:PORT");
            return null!;
        },
    };

    private static Option<double> Timeout() => CommonOptions.Seconds("--timeout", "How long connecting and each request may take, in seconds", 10);

    private static Command Browse()
    {
        var ied = Ied();
        var json = CommonOptions.Json();
        var timeout = Timeout();
        var verbose = CommonOptions.Verbose();
        var command = new Command("browse", "Print an IED's model as a tree: logical devices, nodes, data objects and attributes with FC and type, data sets, report control blocks")
        {
            ied, json, timeout, verbose,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var target = result.GetRequiredValue(ied);
            // A failure is the one gridcast: line; the library's warnings about it would say it twice.
            using var host = CliHost.Build(result.GetValue(verbose), LogLevel.Error);
            await using var client = await ConnectAsync(target, result.GetValue(timeout), host.Services, cancellationToken);
            var model = await client.BrowseAsync(cancellationToken: cancellationToken);
            await client.CloseAsync(cancellationToken);
            if (result.GetValue(json))
            {
                Console.WriteLine(Iec61850Json.Model(target.ToString(), model));
            }
            else
            {
                AnsiConsole.Write(Tree(target.ToString(), model));
            }

            return GridcastCommand.Ok;
        });
        return command;
    }

    private static Command Read()
    {
        var ied = Ied();
        var reference = new Argument<ObjectReference>("REF")
        {
            Description = "The data attribute or object with its functional constraint, LD/LN.DO.DA[FC] (such as LD0/MMXU1.TotW.mag.f[MX])",
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
                if (!ObjectReference.TryParse(text, out var parsed, out var error))
                {
                    result.AddError(error);
                    return null!;
                }

                if (parsed.Fc is null)
                {
                    result.AddError($"'{text}' needs its functional constraint: LD/LN.DO.DA[FC], such as [MX] or [ST]");
                    return null!;
                }

                return parsed;
            },
        };
        var json = CommonOptions.Json();
        var timeout = Timeout();
        var verbose = CommonOptions.Verbose();
        var command = new Command("read", "Read one value from an IED")
        {
            ied, reference, json, timeout, verbose,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var target = result.GetRequiredValue(ied);
            var what = result.GetRequiredValue(reference);
            // A failure is the one gridcast: line; the library's warnings about it would say it twice.
            using var host = CliHost.Build(result.GetValue(verbose), LogLevel.Error);
            await using var client = await ConnectAsync(target, result.GetValue(timeout), host.Services, cancellationToken);
            var value = await client.ReadAsync(what, cancellationToken);
            await client.CloseAsync(cancellationToken);
            Console.WriteLine(result.GetValue(json)
                ? Iec61850Json.Value(what.ToString(), value)
                : $"{what} = {Text(value)} ({MmsValueConvert.Describe(value).Split(' ')[0]})");
            return GridcastCommand.Ok;
        });
        return command;
    }

    private static Task<Iec61850Client> ConnectAsync(HostPort target, double seconds, IServiceProvider services, CancellationToken cancellationToken)
    {
        var limit = TimeSpan.FromSeconds(seconds);
        return Iec61850Client.ConnectAsync(
            target.Host,
            target.Port,
            new Iec61850ClientOptions { Association = new MmsAssociationOptions { ConnectTimeout = limit, RequestTimeout = limit } },
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILoggerFactory>(),
            cancellationToken);
    }

    // The value as the adapter's JSON writes it, so the command and the group payloads agree.
    private static string Text(MmsValue value) => Iec61850Json.ValueOnly(value);

    private static Tree Tree(string target, ServerModel model)
    {
        var tree = new Tree(Markup.Escape($"IED {target}"));
        foreach (var device in model.LogicalDevices)
        {
            var deviceNode = tree.AddNode(Markup.Escape(device.Name));
            foreach (var node in device.LogicalNodes)
            {
                var nodeNode = deviceNode.AddNode(Markup.Escape(node.Name));
                foreach (var dataObject in node.DataObjects)
                {
                    var objectNode = nodeNode.AddNode(Markup.Escape(dataObject.Name));
                    foreach (var attribute in dataObject.Attributes)
                    {
                        AddAttribute(objectNode, attribute);
                    }
                }

                foreach (var block in node.ReportControlBlocks)
                {
                    nodeNode.AddNode(Markup.Escape($"{block.Name} [{(block.Buffered ? "BR" : "RP")}] report control block"));
                }
            }

            foreach (var dataSet in device.DataSets)
            {
                var setNode = deviceNode.AddNode(Markup.Escape($"data set {dataSet.Reference}"));
                foreach (var member in dataSet.Members ?? [])
                {
                    setNode.AddNode(Markup.Escape(member.ToString()));
                }
            }
        }

        return tree;
    }

    private static void AddAttribute(IHasTreeNodes parent, DataAttributeNode attribute)
    {
        var type = attribute.Type is null || attribute.Components.Count > 0 ? string.Empty : " " + Iec61850Payload.Describe(attribute.Type);
        var node = parent.AddNode(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{attribute.Name} [{attribute.Fc}]{type}")));
        foreach (var component in attribute.Components)
        {
            AddAttribute(node, component);
        }
    }
}

/// <summary>The JSON that <c>gridcast iec61850 browse --json</c> and <c>read --json</c> print.</summary>
internal static class Iec61850Json
{
    /// <summary><c>{"ied":"10.0.0.5:102","logicalDevices":[{"name":"LD0","logicalNodes":[{"name":"LLN0","dataObjects":[...],"reportControlBlocks":[...]}],"dataSets":[...]}]}</c>.</summary>
    public static string Model(string target, ServerModel model) => Write(json =>
    {
        json.WriteStartObject();
        json.WriteString("ied", target);
        json.WriteStartArray("logicalDevices");
        foreach (var device in model.LogicalDevices)
        {
            json.WriteStartObject();
            json.WriteString("name", device.Name);
            json.WriteStartArray("logicalNodes");
            foreach (var node in device.LogicalNodes)
            {
                json.WriteStartObject();
                json.WriteString("name", node.Name);
                json.WriteString("ref", node.Reference.ToString());
                json.WriteStartArray("dataObjects");
                foreach (var dataObject in node.DataObjects)
                {
                    json.WriteStartObject();
                    json.WriteString("name", dataObject.Name);
                    json.WriteString("ref", dataObject.Reference.ToString());
                    json.WriteStartArray("attributes");
                    foreach (var attribute in dataObject.Attributes)
                    {
                        Attribute(json, attribute);
                    }

                    json.WriteEndArray();
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteStartArray("reportControlBlocks");
                foreach (var block in node.ReportControlBlocks)
                {
                    json.WriteStartObject();
                    json.WriteString("name", block.Name);
                    json.WriteString("ref", block.Reference.ToString());
                    json.WriteBoolean("buffered", block.Buffered);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("dataSets");
            foreach (var dataSet in device.DataSets)
            {
                json.WriteStartObject();
                json.WriteString("ref", dataSet.Reference.ToString());
                json.WriteStartArray("members");
                foreach (var member in dataSet.Members ?? [])
                {
                    json.WriteStringValue(member.ToString());
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    });

    /// <summary><c>{"ref":"LD0/MMXU1.TotW.mag.f[MX]","type":"floating-point","value":1000.5}</c>.</summary>
    public static string Value(string reference, MmsValue value) => Write(json =>
    {
        json.WriteStartObject();
        json.WriteString("ref", reference);
        json.WriteString("type", MmsValueConvert.Describe(value).Split(' ')[0]);
        json.WritePropertyName("value");
        Iec61850Payload.WriteValue(json, value);
        json.WriteEndObject();
    });

    /// <summary>The value alone, as JSON.</summary>
    public static string ValueOnly(MmsValue value) => Write(json => Iec61850Payload.WriteValue(json, value));

    private static void Attribute(Utf8JsonWriter json, DataAttributeNode attribute)
    {
        json.WriteStartObject();
        json.WriteString("name", attribute.Name);
        json.WriteString("ref", attribute.Reference.ToString());
        json.WriteString("fc", attribute.Fc.ToString());
        if (attribute.Type is { } type && attribute.Components.Count == 0)
        {
            json.WriteString("type", Iec61850Payload.Describe(type));
        }

        if (attribute.Components.Count > 0)
        {
            json.WriteStartArray("components");
            foreach (var component in attribute.Components)
            {
                Attribute(json, component);
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private static string Write(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            write(json);
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
