using System.CommandLine;
using System.CommandLine.Parsing;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Transports.Ip;
using Microsoft.Extensions.Logging;

namespace Bridge.Host.Cli;

/// <summary>Options and arguments several verbs share, with their parsing and checks.</summary>
internal static class CommonOptions
{
    public static Option<string> Interface() => new("--interface", "-i")
    {
        Description = "Interface for joins and sends, by name (eth0) or IPv4 address; the loopback interface when absent",
        HelpName = "IF",
    };

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print results as JSON on standard output",
    };

    public static Option<bool> Verbose() => new("--verbose", "-v")
    {
        Description = "Log what happens, on standard error",
    };

    public static Argument<GroupName> Group() => new("GROUP")
    {
        Description = "Group name, e.g. ham:ip:239.192.0.7:5000",
        CustomParser = ParseGroup,
    };

    public static Argument<GroupName[]> Groups() => new("GROUP")
    {
        Description = "Group names, e.g. ham:ip:239.192.0.7:5000 ham:ip:[ff15::7]:5000 ham:ip:232.1.1.1@10.0.0.2:5000",
        Arity = ArgumentArity.OneOrMore,
        CustomParser = result =>
        {
            var names = new List<GroupName>();
            foreach (var token in result.Tokens)
            {
                if (GroupName.TryParse(token.Value, out var name, out var error))
                {
                    names.Add(name);
                }
                else
                {
                    result.AddError(error);
                }
            }

            return [.. names];
        },
    };

    public static Option<GroupName> GroupOption(string name, string description, string defaultGroup) => new(name)
    {
        Description = description,
        CustomParser = ParseGroup,
        DefaultValueFactory = _ => GroupName.Parse(defaultGroup),
        HelpName = "GROUP",
    };

    private static GroupName? ParseGroup(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (GroupName.TryParse(text, out var name, out var error))
        {
            return name;
        }

        result.AddError(error);
        return null;
    }

    public static MulticastInterface ResolveInterface(string? nameOrAddress)
        => string.IsNullOrEmpty(nameOrAddress) ? MulticastInterface.Loopback() : MulticastInterface.Resolve(nameOrAddress);

    public static LogLevel LogLevelFor(bool verbose, LogLevel quiet = LogLevel.Warning)
        => verbose ? LogLevel.Debug : quiet;

    public static void AddPositiveValidator(Option<int> option)
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError($"{option.Name} must be at least 1");
            }
        });
    }
}
