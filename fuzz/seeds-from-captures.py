#!/usr/bin/env python3
"""Writes the IEC 61850 fuzz seeds (goose, rgoose, mms) from the reference captures.

Usage: fuzz/seeds-from-captures.py CAPTURE_DIR SEED_DIR
CAPTURE_DIR is shared/iec61850 (its README describes the captures). Only the standard library:
a pcapng enhanced-packet-block walk, Ethernet/802.1Q, IPv4, UDP and TCP headers.
"""
import os
import struct
import sys


def packets(path):
    """Yields the bytes of every Ethernet frame in a little- or big-endian pcapng file."""
    data = open(path, "rb").read()
    offset = 0
    endian = "<"
    while offset + 12 <= len(data):
        block_type = struct.unpack_from(endian + "I", data, offset)[0]
        if block_type == 0x0A0D0D0A:
            magic = data[offset + 8:offset + 12]
            endian = "<" if magic == b"\x4d\x3c\x2b\x1a" else ">"
        length = struct.unpack_from(endian + "I", data, offset + 4)[0]
        if block_type == 6:
            captured = struct.unpack_from(endian + "I", data, offset + 20)[0]
            yield data[offset + 28:offset + 28 + captured]
        offset += length


def ether_payload(frame):
    """EtherType and payload, past one 802.1Q tag if there is one."""
    ethertype = struct.unpack_from(">H", frame, 12)[0]
    at = 14
    if ethertype == 0x8100:
        ethertype = struct.unpack_from(">H", frame, 16)[0]
        at = 18
    return ethertype, frame[at:]


def transport(frame):
    """(protocol, source port, destination port, payload) of an IPv4 frame, else None."""
    ethertype, ip = ether_payload(frame)
    if ethertype != 0x0800:
        return None
    header = (ip[0] & 0x0F) * 4
    total = struct.unpack_from(">H", ip, 2)[0]
    protocol = ip[9]
    body = ip[header:total]
    if protocol == 17:
        return "udp", *struct.unpack_from(">HH", body, 0), body[8:]
    if protocol == 6:
        data_offset = (body[12] >> 4) * 4
        return "tcp", *struct.unpack_from(">HH", body, 0), body[data_offset:]
    return None


def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def main(captures, seeds):
    count = 0
    for i, frame in enumerate(packets(os.path.join(captures, "goose-publisher.pcapng"))):
        # Frames 1 and 4 differ (3 and 4 dataset entries); 2 and 3 add nothing.
        if i in (0, 3):
            write(os.path.join(seeds, "goose"), f"seed-publisher-{i + 1}", frame)
            count += 1

    for capture in ("r-goose", "r-goose-hmac", "r-goose-aes128gcm"):
        for i, frame in enumerate(packets(os.path.join(captures, capture + ".pcapng"))):
            parsed = transport(frame)
            if parsed and parsed[0] == "udp" and i in (0, 6):
                write(os.path.join(seeds, "rgoose"), f"seed-{capture}-{i + 1}", parsed[3])
                count += 1

    # MMS: every TCP segment with data, one seed each (most hold one TPKT frame, a few several).
    seen = set()
    for i, frame in enumerate(packets(os.path.join(captures, "mms-client-server.pcapng"))):
        parsed = transport(frame)
        if not parsed or parsed[0] != "tcp" or not parsed[3]:
            continue
        payload = parsed[3]
        if payload in seen:
            continue
        seen.add(payload)
        side = "client" if parsed[2] == 102 else "server"
        write(os.path.join(seeds, "mms"), f"seed-{side}-{i + 1:03d}", payload)
        count += 1
    print(f"{count} seed files written under {seeds}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
