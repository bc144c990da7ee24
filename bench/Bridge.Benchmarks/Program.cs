using BenchmarkDotNet.Running;

namespace Bridge.Benchmarks;

/// <summary>Entry point: pick benchmarks with BenchmarkDotNet's own switches (--filter, --job, ...).</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
