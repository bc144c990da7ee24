using Bridge.Adapters.Iec61850.Goose;

namespace Bridge.Adapters.Iec61850.Adapter.Goose;

/// <summary>An APDU the relay wants sent now, and where: the emit address frames it.</summary>
/// <param name="Target">The emit rule's address (APPID, destination, tag, LAN or R-GOOSE).</param>
/// <param name="Transmit">The APDU with its numbers.</param>
/// <param name="Simulation">The APDU's simulation flag, for the frame's S bit and the R-GOOSE payload's.</param>
public readonly record struct GooseRelayTransmit(GooseAddress Target, GooseTransmit Transmit, bool Simulation);

/// <summary>What the relay reports about an upstream stream.</summary>
/// <param name="GocbRef">The control block.</param>
/// <param name="Target">Where it is re-emitted.</param>
/// <param name="Supervision">Lost (the local publisher stopped) or restored.</param>
public readonly record struct GooseRelayEvent(string GocbRef, GooseAddress Target, GooseSupervisionEvent Supervision);

/// <summary>How <see cref="GooseRelay.HandleApdu"/> took an APDU.</summary>
public enum GooseRelayOutcome : byte
{
    /// <summary>Sent at once: a new state, or the upstream was ahead of the local repeats.</summary>
    Sent,

    /// <summary>Not sent: the local repeats had already sent these numbers (or later ones).</summary>
    Behind,

    /// <summary>Not sent: the emit rule names another control block.</summary>
    OtherControlBlock,
}

/// <summary>
/// The far end of the GOOSE tunnel as a sans-IO state machine: one <see cref="GoosePublisher"/>
/// and one <see cref="GooseSupervision"/> per control block and emit address, created at the
/// block's first APDU. Each APDU from the group is supervised (its timeAllowedtoLive sets the
/// upstream's deadline) and adopted by the publisher, which keeps stNum and sqNum and repeats
/// the state locally when the upstream is slower than the local schedule; when the upstream's
/// deadline passes, the publisher is stopped, so local subscribers see the stream lapse as they
/// would have seen the original's. Nothing here reads a clock or touches a socket.
/// </summary>
/// <remarks>
/// <see cref="HandleTimeout"/> handles the supervisions before the publishers: when a lapse and a
/// repeat are due together (a driver that woke late), the stream is stopped rather than repeated
/// once more beyond the upstream's timeAllowedtoLive.
/// </remarks>
public sealed class GooseRelay(GooseRetransmissionOptions options)
{
    private readonly Dictionary<(GooseAddress Target, string GocbRef), Stream> _streams = [];
    private readonly Queue<GooseRelayTransmit> _transmits = new();
    private readonly Queue<GooseRelayEvent> _events = new();

    /// <summary>The control blocks relayed so far (per emit address).</summary>
    public int StreamCount => _streams.Count;

    /// <summary>How many of them are being repeated now (upstream alive).</summary>
    public int RunningCount => _streams.Values.Count(s => s.Publisher.IsRunning);

    /// <summary>An APDU of <paramref name="apdu"/> (decoded view) arrived from the group for <paramref name="target"/>.</summary>
    public GooseRelayOutcome HandleApdu(TimeSpan now, GooseAddress target, in GooseApduView apdu)
    {
        var gocbRef = apdu.GetGocbRef();
        if (target.GocbRef is { } only && !string.Equals(only, gocbRef, StringComparison.Ordinal))
        {
            return GooseRelayOutcome.OtherControlBlock;
        }

        if (!_streams.TryGetValue((target, gocbRef), out var stream))
        {
            var publisher = new GoosePublisher(gocbRef, apdu.GetDatSet(), apdu.GetGoId(), apdu.ConfRev, options, apdu.Simulation, apdu.NdsCom);
            stream = new Stream(target, gocbRef, publisher, new GooseSupervision()) { Simulation = apdu.Simulation };
            _streams.Add((target, gocbRef), stream);
        }

        stream.Supervision.HandleFrame(now, apdu);
        DrainEvents(stream);
        stream.Simulation = apdu.Simulation;
        var sent = stream.Publisher.Adopt(now, apdu);
        DrainTransmits(stream);
        return sent ? GooseRelayOutcome.Sent : GooseRelayOutcome.Behind;
    }

    /// <summary>A deadline of <see cref="PollTimeout"/> has passed: stop lapsed streams, then send the repeats due.</summary>
    public void HandleTimeout(TimeSpan now)
    {
        foreach (var stream in _streams.Values)
        {
            if (stream.Supervision.PollTimeout() is { } lapse && lapse <= now)
            {
                stream.Supervision.HandleTimeout(now);
                DrainEvents(stream);
            }

            if (stream.Publisher.PollTimeout() is { } due && due <= now)
            {
                stream.Publisher.HandleTimeout(now);
                DrainTransmits(stream);
            }
        }
    }

    /// <summary>The earliest deadline of any stream, or null when nothing is scheduled.</summary>
    public TimeSpan? PollTimeout()
    {
        TimeSpan? earliest = null;
        foreach (var stream in _streams.Values)
        {
            earliest = Min(earliest, stream.Supervision.PollTimeout());
            earliest = Min(earliest, stream.Publisher.PollTimeout());
        }

        return earliest;
    }

    /// <summary>The next APDU to send, if any.</summary>
    public bool TryPollTransmit(out GooseRelayTransmit transmit) => _transmits.TryDequeue(out transmit);

    /// <summary>The next lost or restored upstream, if any.</summary>
    public bool TryPollEvent(out GooseRelayEvent relayEvent) => _events.TryDequeue(out relayEvent);

    private static TimeSpan? Min(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a < b ? a : b;

    private void DrainEvents(Stream stream)
    {
        while (stream.Supervision.TryPollEvent(out var supervisionEvent))
        {
            if (supervisionEvent.Kind == GooseSupervisionEventKind.Lost)
            {
                stream.Publisher.Stop();
            }

            _events.Enqueue(new GooseRelayEvent(stream.GocbRef, stream.Target, supervisionEvent));
        }
    }

    private void DrainTransmits(Stream stream)
    {
        while (stream.Publisher.TryPollTransmit(out var transmit))
        {
            _transmits.Enqueue(new GooseRelayTransmit(stream.Target, transmit, stream.Simulation));
        }
    }

    private sealed record Stream(GooseAddress Target, string GocbRef, GoosePublisher Publisher, GooseSupervision Supervision)
    {
        public bool Simulation { get; set; }
    }
}
