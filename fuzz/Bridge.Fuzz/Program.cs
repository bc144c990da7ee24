using System.Globalization;
using Bridge.Fuzz;
using SharpFuzz;

// Usage (docs/fuzzing.md):
//   Bridge.Fuzz --list                    the targets
//   Bridge.Fuzz TARGET                    the afl-fuzz persistent loop (run under afl-fuzz by scripts/fuzz.sh)
//   Bridge.Fuzz TARGET --replay PATH...   parse files (or every file in folders) once each; exit 1 on a finding
//   Bridge.Fuzz --seeds DIR               write the encoder-made seeds of the binary targets into DIR/TARGET/
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine("usage: Bridge.Fuzz TARGET [--replay PATH...] | --list | --seeds DIR");
    return 2;
}

if (args[0] == "--list")
{
    foreach (var t in FuzzTargets.All)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{t.Name,-15} {t.MaxInputLength,6}  {t.Description}"));
    }

    return 0;
}

if (args[0] == "--seeds" && args.Length == 2)
{
    var written = SeedWriter.WriteAll(args[1]);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{written} seed files written under {args[1]}"));
    return 0;
}

if (FuzzTargets.Find(args[0]) is not { } target)
{
    Console.Error.WriteLine($"unknown target '{args[0]}'; --list shows them");
    return 2;
}

if (args.Length > 1 && args[1] == "--replay")
{
    var findings = 0;
    var files = args.Skip(2).SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p]).Order(StringComparer.Ordinal).ToList();
    foreach (var file in files)
    {
        try
        {
            FuzzHarness.RunBounded(target, File.ReadAllBytes(file));
        }
#pragma warning disable CA1031 // Every exception is a finding to report, whatever its type.
        catch (Exception e)
#pragma warning restore CA1031
        {
            findings++;
            Console.WriteLine($"FINDING {file}: {e}");
        }
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{target.Name}: {files.Count} inputs, {findings} findings"));
    return findings == 0 ? 0 : 1;
}

// The persistent loop: one process parses input after input; an exception that escapes is a
// crash to afl-fuzz. The buffer is reused so reading an input allocates nothing the bound counts.
var buffer = new byte[target.MaxInputLength + 1];
Fuzzer.Run(stream =>
{
    var length = 0;
    int read;
    while (length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0)
    {
        length += read;
    }

    FuzzHarness.RunBounded(target, buffer.AsMemory(0, Math.Min(length, target.MaxInputLength)));
});
return 0;
