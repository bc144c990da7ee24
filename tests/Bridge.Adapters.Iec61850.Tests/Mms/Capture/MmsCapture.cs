using System.Globalization;
using Bridge.Adapters.Iec61850.Mms.Transport;
using Bridge.Adapters.Iec61850.Tests.Captures;

namespace Bridge.Adapters.Iec61850.Tests.Mms.Capture;

/// <summary>One TPKT frame of the capture, where it ended (the frame tshark shows it in) and its bytes.</summary>
public sealed record CapturedTpkt(int Stream, Direction Direction, int Frame, byte[] Bytes);

/// <summary>One TSDU of the capture (the user data of DTs up to EOT) and the frame that completed it.</summary>
public sealed record CapturedTsdu(int Stream, Direction Direction, int Frame, byte[] Bytes);

/// <summary>
/// mms-client-server.pcapng taken apart: TCP reassembled per conversation and direction, cut into
/// TPKT frames, DTs joined into TSDUs. Read once per test run.
/// </summary>
public static class MmsCapture
{
    private static readonly Lazy<(IReadOnlyList<TcpConversation> Conversations, IReadOnlyList<CapturedTpkt> Tpkts, IReadOnlyList<CapturedTsdu> Tsdus)> Loaded = new(Load);

    /// <summary>The four TCP conversations (tcp.stream 0 to 3).</summary>
    public static IReadOnlyList<TcpConversation> Conversations => Loaded.Value.Conversations;

    /// <summary>Every TPKT frame, conversation by conversation, in stream order per direction.</summary>
    public static IReadOnlyList<CapturedTpkt> Tpkts => Loaded.Value.Tpkts;

    /// <summary>Every TSDU, ordered by the frame that completed it.</summary>
    public static IReadOnlyList<CapturedTsdu> Tsdus => Loaded.Value.Tsdus;

    /// <summary>The TSDUs of one conversation, in capture order.</summary>
    public static IReadOnlyList<CapturedTsdu> TsdusOf(int stream) => Tsdus.Where(t => t.Stream == stream).ToList();

    /// <summary>The TSDU completed by <paramref name="frame"/>.</summary>
    public static CapturedTsdu Tsdu(int frame) => Tsdus.Single(t => t.Frame == frame);

    private static (IReadOnlyList<TcpConversation>, IReadOnlyList<CapturedTpkt>, IReadOnlyList<CapturedTsdu>) Load()
    {
        var conversations = TcpConversation.Reassemble(CaptureFiles.Read(CaptureFiles.Mms));
        var tpkts = new List<CapturedTpkt>();
        var tsdus = new List<CapturedTsdu>();
        foreach (var conversation in conversations)
        {
            foreach (var direction in new[] { Direction.ClientToServer, Direction.ServerToClient })
            {
                var stream = conversation.Stream(direction);
                var bytes = stream.Bytes;
                var reassembly = new TsduReassembly(1 << 20);
                var offset = 0;
                while (offset < bytes.Length)
                {
                    if (!Tpkt.TryReadHeader(bytes.Span[offset..], out var length, out var failure) || offset + length > bytes.Length)
                    {
                        throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"stream {conversation.Index} {direction} offset {offset}: not a TPKT frame ({failure})"));
                    }

                    var frame = stream.FrameAt(offset + length - 1);
                    var tpkt = bytes.Slice(offset, length).ToArray();
                    tpkts.Add(new CapturedTpkt(conversation.Index, direction, frame, tpkt));
                    if (!CotpCodec.TryDecode(tpkt.AsMemory(Tpkt.HeaderSize), out var tpdu, out failure))
                    {
                        throw new InvalidDataException($"frame {frame}: {failure}");
                    }

                    if (tpdu is CotpData data && reassembly.TryAdd(data, out var tsdu, out _))
                    {
                        tsdus.Add(new CapturedTsdu(conversation.Index, direction, frame, tsdu.ToArray()));
                    }

                    offset += length;
                }
            }
        }

        return (conversations, tpkts, tsdus.OrderBy(t => t.Frame).ToList());
    }
}
