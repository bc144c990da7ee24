namespace Bridge.Testing;

/// <summary>Runs the built <c>gridcast</c> command as a separate process, as a user would.</summary>
public static class GridcastCli
{
    /// <summary>
    /// The gridcast.dll copied beside the test assembly by a reference to Bridge.Host; test
    /// projects that run the command reference that project.
    /// </summary>
    public static string AssemblyPath
    {
        get
        {
            var path = Path.Combine(AppContext.BaseDirectory, "gridcast.dll");
            return File.Exists(path)
                ? path
                : throw new FileNotFoundException("gridcast.dll is not beside the tests; reference src/Bridge.Host", path);
        }
    }

    /// <summary>Starts <c>gridcast ARGS</c>.</summary>
    public static ExternalProcess Start(params string[] arguments)
        => ExternalProcess.Start("dotnet", [AssemblyPath, .. arguments]);

    /// <summary>Runs <c>gridcast ARGS</c> to its end; returns the exit code and the process for its output.</summary>
    public static async Task<(int ExitCode, ExternalProcess Process)> RunAsync(TimeSpan timeout, params string[] arguments)
    {
        var process = Start(arguments);
        var code = await process.WaitForExitAsync(timeout);
        return (code, process);
    }
}
