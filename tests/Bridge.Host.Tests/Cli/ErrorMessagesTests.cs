using System.Net;
using System.Net.Sockets;
using Bridge.Host.Tests.Configuration;
using Bridge.Testing;

namespace Bridge.Host.Tests.Cli;

/// <summary>
/// The error paths of every <c>gridcast</c> verb, run as a user runs them: the exit code, an error
/// on standard error that names the offending value, and nothing written for programmers (no
/// <c>(Parameter 'x')</c>, no exception type names, no stack-trace lines).
/// </summary>
public sealed class ErrorMessagesTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    // Stands for a fresh, empty directory in the tables below.
    private const string Dir = "{dir}";

    private readonly ConfigurationFiles _files = new();
    private readonly TempDirectory _emptyDirectory = new("gridcast-errors-");

    public void Dispose()
    {
        _files.Dispose();
        _emptyDirectory.Dispose();
    }

    [Theory]
    // pub
    [InlineData(new[] { "pub", "ham:sg:x", "hi", "--interface", "nosuch0" }, "--interface: no interface named or addressed 'nosuch0' (interfaces: ")]
    [InlineData(new[] { "pub", "ham:sg:x", "hi", "--interface", "" }, "--interface: '' is not an interface name or address")]
    [InlineData(new[] { "pub", "ham:sg:x", "hi", "--interface", "10.255.255.254" }, "no interface named or addressed '10.255.255.254'")]
    [InlineData(new[] { "pub", "ham:sg:x", "hi", "--repeat", "abc" }, "--repeat must be a whole number, not 'abc'")]
    [InlineData(new[] { "pub", "ham:sg:x", "hi", "--repeat", "99999999999" }, "--repeat must be at least 1, not 99999999999")]
    [InlineData(new[] { "pub", "ham:sg:x", "hi", "--ttl", "300" }, "--ttl must be from 0 to 255, not 300")]
    [InlineData(new[] { "pub", "ham:sg:x", "hi", "--ttl", "-1" }, "--ttl must be from 0 to 255, not -1")]
    [InlineData(new[] { "pub", "ham:sg:x", "hi", "--interval", "-5" }, "--interval must be a number of milliseconds from 0 to 4294967294, not '-5'")]
    [InlineData(new[] { "pub", "ham:ip:[ff15::7]:5000", "hi" }, "group ham:ip:[ff15::7]:5000 maps only to IPv6, and the loopback interface")]
    // sub
    [InlineData(new[] { "sub", "ham:sg:x", "--timeout", "abc" }, "--timeout must be a number of seconds from 0 to 4294967, not 'abc'")]
    [InlineData(new[] { "sub", "ham:sg:x", "--timeout", "1e300" }, "--timeout must be a number of seconds from 0 to 4294967, not '1e300'")]
    [InlineData(new[] { "sub", "ham:sg:x", "--timeout", "-1" }, "--timeout must be a number of seconds from 0 to 4294967, not '-1'")]
    [InlineData(new[] { "sub", "ham:sg:x", "--count", "0" }, "--count must be at least 1, not 0")]
    [InlineData(new[] { "sub", "ham:sg:x", "--count", "many" }, "--count must be a whole number, not 'many'")]
    [InlineData(new[] { "sub", "ham:sg:x", "--interface", "nosuch0" }, "--interface: no interface named or addressed 'nosuch0'")]
    [InlineData(new[] { "sub", "ham:sg:x", "ham:ip:[ff15::7]:5000" }, "group ham:ip:[ff15::7]:5000 maps only to IPv6")]
    // demo
    [InlineData(new[] { "demo", "--devices", "abc" }, "--devices must be a whole number, not 'abc'")]
    [InlineData(new[] { "demo", "--timeout", "-1" }, "--timeout must be a number of seconds from 0 to 4294967, not '-1'")]
    [InlineData(new[] { "demo", "--timeout", "NaN" }, "--timeout must be a number of seconds from 0 to 4294967, not 'NaN'")]
    [InlineData(new[] { "demo", "--group", "nonsense" }, "group name 'nonsense'")]
    [InlineData(new[] { "demo", "--domains", "many" }, "--domains must be a whole number, not 'many'")]
    // bridge
    [InlineData(new[] { "bridge" }, "no rule given: add --to-group FILTER=GROUP or --from-group GROUP=TOPIC")]
    [InlineData(new[] { "bridge", "--to-group", "a/#=ham:sg:x", "--listen", "nonsense" }, "--listen 'nonsense' is not an ADDRESS:PORT")]
    [InlineData(new[] { "bridge", "--to-group", "a/#=ham:sg:x", "--broker", "mqtt://broker:99999" }, "broker URL 'mqtt://broker:99999'")]
    [InlineData(new[] { "bridge", "--to-group", "a/#=ham:sg:x", "--interface", "nosuch0" }, "--interface: no interface named or addressed 'nosuch0'")]
    [InlineData(new[] { "bridge", "--to-group", "a/#=ham:ip:[ff15::7]:5000" }, "group ham:ip:[ff15::7]:5000 maps only to IPv6")]
    [InlineData(new[] { "bridge", "--from-group", "ham:ip:[ff15::8]:5000=t" }, "group ham:ip:[ff15::8]:5000 maps only to IPv6")]
    // certs
    [InlineData(new[] { "certs", "ca", "--out", Dir, "--days", "abc" }, "--days must be a whole number, not 'abc'")]
    [InlineData(new[] { "certs", "ca", "--out", Dir, "--days", "99999999" }, "--days must be from 1 to 36500, not 99999999")]
    [InlineData(new[] { "certs", "node", "gw a", "--ca", Dir, "--out", Dir }, "NAME: 'gw a' must be 1 to 128 characters of A-Z a-z 0-9 . _ -")]
    [InlineData(new[] { "certs", "node", "gw-a", "--ca", Dir, "--out", Dir, "--dns", "under_score" }, "--dns: 'under_score' is not a DNS name: '_' is not allowed")]
    [InlineData(new[] { "certs", "node", "gw-a", "--ca", Dir, "--out", Dir, "--dns", "a..b" }, "--dns: 'a..b' is not a DNS name: it has an empty label")]
    [InlineData(new[] { "certs", "node", "gw-a", "--ca", Dir, "--out", Dir, "--days", "0" }, "--days must be from 1 to 36500, not 0")]
    // missing arguments are named, not only the command that misses them
    [InlineData(new[] { "pub", "ham:sg:x" }, "'gridcast pub' needs TEXT")]
    [InlineData(new[] { "certs", "node", "--ca", Dir, "--out", Dir }, "'gridcast certs node' needs NAME")]
    [InlineData(new[] { "config", "validate" }, "'gridcast config validate' needs FILE")]
    // uri, config, run
    [InlineData(new[] { "uri", "ham:ip:239.1.1.1:99999" }, "port '99999' in 'ham:ip:239.1.1.1:99999'")]
    [InlineData(new[] { "config", "validate", Dir + "/missing.yaml" }, "(file): file '" + Dir + "/missing.yaml' does not exist")]
    [InlineData(new[] { "run", "--config", Dir + "/missing.yaml" }, "(file): file '" + Dir + "/missing.yaml' does not exist")]
    public async Task Verb_WrongValue_ExitsTwoNamingItForPeople(string[] arguments, string expected)
    {
        var process = await RunAsync(2, [.. arguments.Select(InDirectory)]);
        await using var _ = process;

        AssertNames(process, InDirectory(expected));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_emptyDirectory.Path));
    }

    [Theory]
    [InlineData(
        new[] { "pub", "ham:ip:[ff15::7]:5000", "hi", "--repeat", "abc", "--ttl", "300" },
        new[] { "--repeat must be a whole number, not 'abc'", "--ttl must be from 0 to 255, not 300", "group ham:ip:[ff15::7]:5000" })]
    [InlineData(
        new[] { "sub", "nonsense", "ham:ip:[ff15::7]:5000", "--count", "0", "--interface", "lo" },
        new[] { "group name 'nonsense'", "group ham:ip:[ff15::7]:5000", "--count must be at least 1, not 0" })]
    [InlineData(
        new[] { "bridge", "--to-group", "a/#=nonsense", "--from-group", "ham:ip:[ff15::8]:5000=t", "--listen", "x", "--broker", "http://b" },
        new[] { "group name 'nonsense'", "group ham:ip:[ff15::8]:5000", "--listen 'x'", "broker URL 'http://b'" })]
    [InlineData(
        new[] { "demo", "--devices", "0", "--timeout", "soon", "--domains", "0" },
        new[] { "--devices must be at least 1, not 0", "--timeout must be a number of seconds", "--domains must be from 1 to 64, not 0" })]
    public async Task Verb_SeveralWrongValues_ListsEveryOne(string[] arguments, string[] expected)
    {
        var process = await RunAsync(2, arguments);
        await using var _ = process;

        AssertNames(process, expected);
    }

    [Fact]
    public async Task Bridge_WrongRule_ReportsItAndNotThatNoRuleWasGiven()
    {
        var process = await RunAsync(2, "bridge", "--to-group", "a/#");
        await using var _ = process;

        AssertNames(process, "rule 'a/#' is not of the form FILTER=GROUP");
        Assert.DoesNotContain(process.StandardError, l => l.Contains("no rule given", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bridge_EmbeddedBrokerPortInUse_ExitsOneNamingTheAddress()
    {
        using var occupant = Occupy(out var address);

        var process = await RunAsync(1, "bridge", "--listen", address, "--to-group", $"a/#={FreePorts.UniqueIPv4Group()}");
        await using var _ = process;

        AssertNames(process, $"gridcast: the embedded MQTT broker cannot listen on {address}: Address already in use");
    }

    [Fact]
    public async Task Bridge_EmbeddedBrokerPortInUseVerbose_AddsTheDetailsForDevelopers()
    {
        using var occupant = Occupy(out var address);

        var (code, process) = await GridcastCli.RunAsync(Patience, "bridge", "--listen", address, "--to-group", $"a/#={FreePorts.UniqueIPv4Group()}", "--verbose");
        await using var _ = process;

        Assert.True(code == 1, process.Transcript());
        Assert.Contains(process.StandardError, l => l.Contains($"cannot listen on {address}", StringComparison.Ordinal));
        Assert.Contains(process.StandardError, l => l.StartsWith("   at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_GatewayListenPortInUse_ExitsOneNamingTheKeyAndAddress()
    {
        using var occupant = Occupy(out var address);
        _files.AddNode("gw-a");
        var path = _files.Write("gw-a.yaml", Gateway("gw-a", address));

        var process = await RunAsync(1, "run", "--config", path);
        await using var _ = process;

        AssertNames(process, $"gridcast: gateway.listen: cannot listen on {address}: Address already in use");
    }

    [Theory]
    [InlineData("domain:\n  interface: nosuch0\n", "ham:sg:ami.tariff.rtp", "domain.interface: no interface named or addressed 'nosuch0' (interfaces: ")]
    [InlineData("", "ham:ip:[ff15::7]:5000", "groups.tariff.uri: group ham:ip:[ff15::7]:5000 maps only to IPv6, and the loopback interface")]
    public async Task Run_WhatOnlyThisHostCanCheck_IsAConfigurationErrorAndStartsNothing(string domain, string group, string expected)
    {
        var path = _files.Write("edge.yaml", $"""
            node:
              id: edge-1
            groups:
              tariff:
                uri: "{group}"
            {domain}bridge:
              mqtt:
                listen: 127.0.0.1:{FreePorts.Tcp()}
              rules:
                - name: tariffs
                  direction: to-group
                  topic: meters/+/tariff
                  group: tariff
            """);

        var process = await RunAsync(2, "run", "--config", path);
        await using var _ = process;

        AssertNames(process, $"{path}: {expected}", $"gridcast: {path} has 1 error(s); nothing started");
    }

    [Theory]
    [InlineData("certs/gw-a.crt", "certs/gw-b.key", "certs/ca.crt", "gateway.tls.key: '{dir}/certs/gw-b.key' is not the private key of the certificate '{dir}/certs/gw-a.crt'")]
    [InlineData("certs/gw-a.crt", "certs/gw-a.key", "certs/gw-b.crt", "gateway.tls.authority: '{dir}/certs/gw-b.crt' holds CN=gw-b, which is not a CA certificate")]
    [InlineData("certs/gw-a.crt", "certs/gw-a.key", "gw-a.yaml", "gateway.tls.authority: '{dir}/gw-a.yaml' is not a readable PEM certificate")]
    public async Task ValidateAndRun_WrongTlsFile_NameTheKeyAndTheFile(string certificate, string key, string authority, string expected)
    {
        _files.AddNode("gw-a");
        _files.AddNode("gw-b");
        var path = _files.Write("gw-a.yaml", Gateway("gw-a", "127.0.0.1:7946", certificate, key, authority));
        var error = $"{path}: {expected.Replace(Dir, _files.Directory, StringComparison.Ordinal)}";

        var validate = await RunAsync(2, "config", "validate", path);
        await using var _ = validate;
        var run = await RunAsync(2, "run", "--config", path);
        await using var __ = run;

        AssertNames(validate, error);
        AssertNames(run, error);
    }

    [Fact]
    public async Task Validate_Directory_SaysItIsADirectory()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_emptyDirectory.Path, "node.yaml")).FullName;

        var process = await RunAsync(2, "config", "validate", folder);
        await using var _ = process;

        AssertNames(process, $"{folder}: (file): '{folder}' is a directory, not a configuration file");
    }

    [Fact]
    public async Task CertsNode_KeyOfAnotherCertificateAsCaKey_ExitsOneNamingBothFiles()
    {
        await SucceedAsync("certs", "ca", "--out", _emptyDirectory.Path);
        await SucceedAsync("certs", "node", "gw-b", "--ca", _emptyDirectory.Path, "--out", _emptyDirectory.Path);
        File.Copy(Path.Combine(_emptyDirectory.Path, "gw-b.key"), Path.Combine(_emptyDirectory.Path, "ca.key"), overwrite: true);

        var process = await RunAsync(1, "certs", "node", "gw-a", "--ca", _emptyDirectory.Path, "--out", _emptyDirectory.Path);
        await using var _ = process;

        AssertNames(process, $"{Path.Combine(_emptyDirectory.Path, "ca.key")}: not the private key of the certificate in {Path.Combine(_emptyDirectory.Path, "ca.crt")}");
        Assert.False(File.Exists(Path.Combine(_emptyDirectory.Path, "gw-a.crt")));
    }

    [Fact]
    public async Task Sub_JoinLineForAGroupTheInterfaceCannotCarry_AnswersForPeopleAndKeepsRunning()
    {
        var group = FreePorts.UniqueIPv4Group();
        await using var sub = GridcastCli.Start("sub", group, "--timeout", "50");
        await sub.WaitForLineAsync(l => l.StartsWith("subscribed to " + group, StringComparison.Ordinal), Patience);

        await sub.WriteLineAsync("join ham:ip:[ff15::7]:5000");
        var refused = await sub.WaitForLineAsync(l => l.Contains("join ham:ip:[ff15::7]:5000 failed", StringComparison.Ordinal), Patience);
        await sub.WriteLineAsync("leave " + group);
        await sub.WaitForLineAsync(l => l == "left " + group, Patience);

        Assert.Contains("maps only to IPv6, and the loopback interface", refused, StringComparison.Ordinal);
        AssertWordedForPeople(sub);
    }

    private static async Task<ExternalProcess> RunAsync(int expectedCode, params string[] arguments)
    {
        var (code, process) = await GridcastCli.RunAsync(Patience, arguments);
        Assert.True(code == expectedCode, $"exit code {code}, expected {expectedCode}.\n{process.Transcript()}");
        return process;
    }

    private static async Task SucceedAsync(params string[] arguments)
    {
        var process = await RunAsync(0, arguments);
        await process.DisposeAsync();
    }

    // Each expected text on a line of standard error, and nothing there meant for programmers.
    private static void AssertNames(ExternalProcess process, params string[] expected)
    {
        foreach (var text in expected)
        {
            Assert.True(
                process.StandardError.Any(l => l.Contains(text, StringComparison.Ordinal)),
                $"no line of standard error contains \"{text}\".\n{process.Transcript()}");
        }

        AssertWordedForPeople(process);
    }

    private static void AssertWordedForPeople(ExternalProcess process)
    {
        foreach (var line in process.StandardError.Concat(process.StandardOutput))
        {
            Assert.False(line.Contains("(Parameter", StringComparison.Ordinal), $"parameter name for programmers: {line}\n{process.Transcript()}");
            Assert.False(line.Contains("Exception", StringComparison.Ordinal), $"exception type name: {line}\n{process.Transcript()}");
            Assert.False(line.StartsWith("   at ", StringComparison.Ordinal), $"stack trace: {line}\n{process.Transcript()}");
        }
    }

    // A listening socket on a free loopback port, so that gridcast finds the port taken.
    private static TcpListener Occupy(out string address)
    {
        var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        address = occupant.LocalEndpoint.ToString()!;
        return occupant;
    }

    private static string Gateway(string id, string listen, string certificate = "certs/gw-a.crt", string key = "certs/gw-a.key", string authority = "certs/ca.crt") => $"""
        node:
          id: {id}
        groups:
          tariff:
            uri: ham:sg:ami.tariff.rtp
        gateway:
          role: transit
          listen: {listen}
          tls:
            certificate: {certificate}
            key: {key}
            authority: {authority}
        """;

    private string InDirectory(string text) => text.Replace(Dir, _emptyDirectory.Path, StringComparison.Ordinal);
}
