using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace Bridge.Testing.Namespaces;

/// <summary>
/// Runs code inside a named network namespace (<c>ip netns</c>) on a thread of its own, through
/// setns(2): sockets created there stay in that namespace after the thread has left it, so a test
/// can open a link-layer socket on a namespace host's interface and use it from anywhere.
/// </summary>
public static class NetworkNamespace
{
    private const int CloneNewNet = 0x40000000;
    private const int ReadOnly = 0;

    /// <summary>Runs <paramref name="action"/> in namespace <paramref name="name"/> and returns its result.</summary>
    public static T Run<T>(string name, Func<T> action)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = Enter(name, action);
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        });
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    private static T Enter<T>(string name, Func<T> action)
    {
        var home = OpenOrThrow("/proc/thread-self/ns/net");
        var target = OpenOrThrow($"/run/netns/{name}");
        try
        {
            if (SetNs(target, CloneNewNet) != 0)
            {
                throw new InvalidOperationException($"setns into network namespace '{name}' failed with errno {Marshal.GetLastPInvokeError()}");
            }

            T result;
            try
            {
                result = action();
            }
            finally
            {
                // The thread ends right after; going home keeps it honest should it not.
                _ = SetNs(home, CloneNewNet);
            }

            return result;
        }
        finally
        {
            _ = Close(target);
            _ = Close(home);
        }
    }

    private static int OpenOrThrow(string path)
    {
        var fd = Open(path, ReadOnly);
        return fd >= 0 ? fd : throw new InvalidOperationException($"open({path}) failed with errno {Marshal.GetLastPInvokeError()}");
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPStr)] string path, int flags);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static extern int SetNs(int fd, int nstype);
}
