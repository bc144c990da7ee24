using Bridge.Testing;
using Bridge.Testing.Namespaces;

namespace Bridge.Host.Tests.TestSupport;

/// <summary>What a test says when the machine lacks something: one line naming it and how to get it.</summary>
public sealed class PrerequisitesTests
{
    [Fact]
    public void Command_Missing_ThrowsOneLineNamingTheCommandAndItsPackageWithoutAStackTrace()
    {
        var error = Assert.Throws<MissingPrerequisiteException>(
            () => Prerequisites.Command("gridcast-no-such-tool", "gridcast-tools", "the example tests"));

        Assert.Equal(
            "the example tests: the 'gridcast-no-such-tool' command is missing (neither on PATH nor in /usr/sbin, /usr/bin, /sbin or /bin): "
            + "install it with 'apt-get install -y gridcast-tools' (scripts/test.sh does)",
            error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Null(error.StackTrace);
    }

    [Fact]
    public void Command_InASystemDirectoryMissingFromPath_IsFound()
    {
        // ip lives in /usr/sbin or /sbin on Debian, which a test runner's PATH may lack.
        var ip = Prerequisites.Command("ip", "iproute2", "this test");

        Assert.True(Path.IsPathRooted(ip), ip);
        Assert.Equal("ip", Path.GetFileName(ip));
    }

    [Fact]
    public void IpCommand_UnknownDeviceType_ThrowsAMissingPrerequisiteNamingTheDevice()
    {
        // A device type no kernel has: ip's error is the same as for a kernel without bridges.
        var error = Assert.Throws<MissingPrerequisiteException>(
            () => IpCommand.Run("link", "add", "gcnosuch0", "type", "gridcastnosuchdevice"));

        Assert.Contains("'gridcastnosuchdevice' device", error.Message, StringComparison.Ordinal);
        Assert.Contains("modprobe gridcastnosuchdevice", error.Message, StringComparison.Ordinal);
        Assert.Null(error.StackTrace);
    }

    [Fact]
    public async Task Signal_Term_EndsTheProcessAndAGoneProcessIsReportedAsGone()
    {
        await using var sleeper = ExternalProcess.Start(Prerequisites.Command("sleep", "coreutils", "this test"), ["60"]);

        Assert.True(Prerequisites.Signal(sleeper.Id, PosixSignalNumber.Term));
        Assert.Equal(128 + 15, await sleeper.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(Prerequisites.Signal(sleeper.Id, PosixSignalNumber.Term));
    }
}
