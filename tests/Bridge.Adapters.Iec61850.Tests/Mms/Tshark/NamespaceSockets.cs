using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Bridge.Adapters.Iec61850.Tests.Mms.Tshark;

/// <summary>
/// Sockets made inside a network namespace (one of a <see cref="Bridge.Testing.Namespaces.NamespaceLan"/>'s
/// hosts) from this process: a dedicated thread enters the namespace with setns(2) and creates
/// the socket there; a socket keeps the namespace it was made in, so it is then used from any
/// thread like any other. The thread ends right after, taking the namespace switch with it.
/// </summary>
internal static class NamespaceSockets
{
    private const int CloneNewNet = 0x40000000;

    /// <summary>A TCP socket listening on <paramref name="endPoint"/> inside namespace <paramref name="name"/>.</summary>
    public static Socket Listen(string name, IPEndPoint endPoint) => Inside(name, () =>
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(endPoint);
        socket.Listen(8);
        return socket;
    });

    /// <summary>A TCP socket inside namespace <paramref name="name"/>, connected to <paramref name="endPoint"/>.</summary>
    public static Socket Connect(string name, IPEndPoint endPoint) => Inside(name, () =>
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Connect(endPoint);
        return socket;
    });

    private static Socket Inside(string name, Func<Socket> create)
    {
        Socket? socket = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle(Path.Combine("/run/netns", name), FileMode.Open, FileAccess.Read);
                if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new IOException($"setns into {name} failed with errno {Marshal.GetLastPInvokeError()}");
                }

                socket = create();
            }
            catch (Exception e) when (e is IOException or SocketException or UnauthorizedAccessException)
            {
                failure = e;
            }
        })
        {
            IsBackground = true,
            Name = "netns " + name,
        };
        thread.Start();
        thread.Join();
        return socket ?? throw new InvalidOperationException($"could not make a socket in network namespace {name}", failure);
    }

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static extern int SetNs(int fd, int nstype);
}
