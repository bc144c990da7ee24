using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Bridge.Host.Node;
using Bridge.Multicast.Naming;
using Bridge.Multicast.Overlay.Gateway;
using Bridge.Multicast.Security.ControlPlane;
using Bridge.Multicast.Transports.Ip;

namespace Bridge.Host.Cli;

/// <summary>
/// Options and arguments several verbs share, with their parsing and checks. Every value is
/// checked while the command line is parsed, so a wrong one is reported with the others (exit
/// code 2, each error naming the option and the value) before anything runs; nothing reaches
/// the library that the library would refuse.
/// </summary>
internal static class CommonOptions
{
    /// <summary>The longest wait the runtime's timers take (<see cref="CancellationTokenSource.CancelAfter(TimeSpan)"/>, <see cref="Task.Delay(TimeSpan)"/>): 2^32 - 2 ms, about 49 days.</summary>
    public const double MaxTimerMilliseconds = uint.MaxValue - 1.0;

    /// <summary>
    /// <c>--interface IF</c>: a name or address, resolved while parsing; the value is null when the
    /// option is absent (see <see cref="InterfaceOrLoopback"/>).
    /// </summary>
    public static Option<MulticastInterface?> Interface() => new("--interface", "-i")
    {
        Description = "Interface for joins and sends, by name (eth0) or IPv4 address; the loopback interface when absent",
        HelpName = "IF",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
            if (MulticastInterface.TryResolve(text, out var found, out var error))
            {
                return found;
            }

            result.AddError($"--interface: {error}");
            return null;
        },
    };

    /// <summary>The interface <paramref name="option"/> names, or the loopback interface when it is absent.</summary>
    public static MulticastInterface InterfaceOrLoopback(ParseResult result, Option<MulticastInterface?> option)
        => result.GetValue(option) ?? MulticastInterface.Loopback();

    /// <summary><c>--domain-key-file FILE</c>: the key file with the domain's control-plane ring, so member reports are tagged (docs/security.md).</summary>
    public static Option<FileInfo?> DomainKeyFile() => new("--domain-key-file")
    {
        Description = "Key file with the domain's control-plane key ring: member reports are tagged with it, as gateways with that key require",
        HelpName = "FILE",
    };

    /// <summary><c>--domain-key-ring NAME</c>: which domain ring of that file; the only one when absent.</summary>
    public static Option<string?> DomainKeyRing() => new("--domain-key-ring")
    {
        Description = "The ring's name in the key file (domains.NAME); the file's only domain ring when absent",
        HelpName = "NAME",
    };

    /// <summary>
    /// The member report format for the key file and ring the options name: tagged with the ring, or
    /// untagged without <c>--domain-key-file</c>. Null, with the problems printed on standard error,
    /// when the file cannot be used.
    /// </summary>
    public static MemberReportFormat? ReportFormat(ParseResult result, Option<FileInfo?> keyFile, Option<string?> keyRing, TimeProvider time)
    {
        if (result.GetValue(keyFile) is not { } file)
        {
            return MemberReportFormat.Default;
        }

        var problems = new List<string>();
        if (ControlKeyFiles.TryLoad(file.FullName, result.GetValue(keyRing), problems) is { } ring)
        {
            return MemberReportFormat.WithKeys(new ControlFrameAuthenticator(ring, time));
        }

        foreach (var problem in problems)
        {
            Console.Error.WriteLine($"gridcast: --domain-key-file: {problem}");
        }

        return null;
    }

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print results as JSON on standard output",
    };

    public static Option<bool> Verbose() => new("--verbose", "-v")
    {
        Description = "Log what happens, on standard error",
    };

    /// <summary>
    /// A group name argument. With <paramref name="carriedOn"/>, the interface that option names (the
    /// loopback interface when absent) must be able to carry the group: not an IPv6-only group on
    /// loopback, for one.
    /// </summary>
    public static Argument<GroupName> Group(Option<MulticastInterface?>? carriedOn = null) => new("GROUP")
    {
        Description = "Group name, e.g. ham:ip:239.192.0.7:5000",
        CustomParser = result => ParseGroup(result, carriedOn),
    };

    /// <summary>Group names, one or more; <paramref name="carriedOn"/> as for <see cref="Group"/>.</summary>
    public static Argument<GroupName[]> Groups(Option<MulticastInterface?>? carriedOn = null) => new("GROUP")
    {
        Description = "Group names, e.g. ham:ip:239.192.0.7:5000 ham:ip:[ff15::7]:5000 ham:ip:232.1.1.1@10.0.0.2:5000",
        Arity = ArgumentArity.OneOrMore,
        CustomParser = result =>
        {
            var names = new List<GroupName>();
            foreach (var token in result.Tokens)
            {
                if (!GroupName.TryParse(token.Value, out var name, out var error))
                {
                    result.AddError(error);
                }
                else if (carriedOn is null || IsCarried(result, carriedOn, name))
                {
                    names.Add(name);
                }
            }

            return [.. names];
        },
    };

    /// <summary>A group name option with a default; <paramref name="carriedOn"/> as for <see cref="Group"/>.</summary>
    public static Option<GroupName> GroupOption(string name, string description, string defaultGroup, Option<MulticastInterface?>? carriedOn = null) => new(name)
    {
        Description = description,
        CustomParser = result => ParseGroup(result, carriedOn),
        DefaultValueFactory = _ => GroupName.Parse(defaultGroup),
        HelpName = "GROUP",
    };

    /// <summary>An option that takes a whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static Option<int> WholeNumber(string name, string description, string helpName, int defaultValue, int min, int max = int.MaxValue) => new(name)
    {
        Description = description,
        HelpName = helpName,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result => ParseWholeNumber(result, name, min, max) ?? defaultValue,
    };

    /// <summary>As <see cref="WholeNumber"/>, for an option whose absence means something (the value is then null).</summary>
    public static Option<int?> OptionalWholeNumber(string name, string description, string helpName, int min, int max = int.MaxValue) => new(name)
    {
        Description = description,
        HelpName = helpName,
        CustomParser = result => ParseWholeNumber(result, name, min, max),
    };

    /// <summary>An option that takes a number of seconds, from 0 up to the longest wait a timer takes.</summary>
    public static Option<double> Seconds(string name, string description, double defaultValue) => new(name)
    {
        Description = description,
        HelpName = "S",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result => ParseDuration(result, name, "seconds", MaxTimerMilliseconds / 1000) ?? defaultValue,
    };

    /// <summary>As <see cref="Seconds"/>, for an option whose absence means something (the value is then null).</summary>
    public static Option<double?> OptionalSeconds(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "S",
        CustomParser = result => ParseDuration(result, name, "seconds", MaxTimerMilliseconds / 1000),
    };

    /// <summary>An option that takes a number of milliseconds, from 0 up to the longest wait a timer takes.</summary>
    public static Option<double> Milliseconds(string name, string description, double defaultValue) => new(name)
    {
        Description = description,
        HelpName = "MS",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result => ParseDuration(result, name, "milliseconds", MaxTimerMilliseconds) ?? defaultValue,
    };

    /// <summary>
    /// Whether the interface <paramref name="interface"/> names (the loopback interface when absent)
    /// can carry <paramref name="group"/>, a value of <paramref name="result"/>; when not, adds the
    /// error to it. Parsers of group-bearing values call it, so the error is listed with every
    /// other (a validator's error would keep the value's parser from reporting its own). It reads
    /// the interface from its tokens: another option's parsed value is not to be had while parsing.
    /// A wrong interface is its own option's error, and this check then passes.
    /// </summary>
    public static bool IsCarried(ArgumentResult result, Option<MulticastInterface?> @interface, GroupName group)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(group);
        SymbolResult? command = result;
        while (command is not null and not CommandResult)
        {
            command = command.Parent;
        }

        var tokens = command?.GetResult(@interface)?.Tokens ?? [];
        MulticastInterface? chosen;
        if (tokens.Count == 0)
        {
            chosen = MulticastInterface.Loopback();
        }
        else if (!MulticastInterface.TryResolve(tokens[0].Value, out chosen, out _))
        {
            return true;
        }

        if (CarryError(group, chosen) is { } error)
        {
            result.AddError(error);
            return false;
        }

        return true;
    }

    /// <summary>
    /// Why <paramref name="chosen"/> cannot carry <paramref name="group"/>, or null when it can;
    /// <paramref name="where"/> is where another interface is named.
    /// </summary>
    public static string? CarryError(GroupName group, MulticastInterface chosen, string where = "--interface")
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(chosen);
        if (chosen.CanCarry(group))
        {
            return null;
        }

        var families = string.Join(" and ", new[] { group.Addresses.IPv4 is null ? null : "IPv4", group.Addresses.IPv6 is null ? null : "IPv6" }.OfType<string>());
        var why = chosen.IsLoopback ? $"the loopback interface {chosen.Name} carries no {families} multicast" : $"interface {chosen.Name} has no {families} address";
        return $"group {group} maps only to {families}, and {why}: choose an interface with {families} ({where})";
    }

    private static GroupName? ParseGroup(ArgumentResult result, Option<MulticastInterface?>? carriedOn)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (!GroupName.TryParse(text, out var name, out var error))
        {
            result.AddError(error);
            return null;
        }

        return carriedOn is null || IsCarried(result, carriedOn, name) ? name : null;
    }

    private static int? ParseWholeNumber(ArgumentResult result, string name, int min, int max)
    {
        if (result.Tokens.Count == 0)
        {
            return null;
        }

        var text = result.Tokens[0].Value;
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            // Digits beyond int's range are a number, just too large: say what the range is.
            var isNumber = text.TrimStart('-', '+').Length > 0 && text.TrimStart('-', '+').All(char.IsAsciiDigit);
            result.AddError(isNumber ? RangeError(name, text, min, max) : $"{name} must be a whole number, not '{text}'");
            return null;
        }

        if (value < min || value > max)
        {
            result.AddError(RangeError(name, text, min, max));
            return null;
        }

        return value;
    }

    private static string RangeError(string name, string text, int min, int max) => max == int.MaxValue
        ? $"{name} must be at least {min}, not {text}"
        : $"{name} must be from {min} to {max}, not {text}";

    private static double? ParseDuration(ArgumentResult result, string name, string unit, double max)
    {
        if (result.Tokens.Count == 0)
        {
            return null;
        }

        var text = result.Tokens[0].Value;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            || !double.IsFinite(value) || value < 0 || value > max)
        {
            result.AddError(string.Create(CultureInfo.InvariantCulture, $"{name} must be a number of {unit} from 0 to {Math.Floor(max)}, not '{text}'"));
            return null;
        }

        return value;
    }
}
