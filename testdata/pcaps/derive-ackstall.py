#!/usr/bin/env python3
"""Derive ackstall.pcap from the real ackwin.pcap: a server stalled on the
acknowledgement window.

Usage: derive-ackstall.py [DIR]   (DIR: where ackwin.pcap is; default: beside this script)

ackwin.pcap is nginx-rtmp (ack_window 40000) feeding two real players that
acknowledge as they should (rtmpdump every ~4 KB, ffmpeg every ~20 KB).
A server that enforces its window (FMS, Wowza) stops sending when the
client's acknowledgements fall a window behind; nginx never does, so this
script makes that picture from the real packets, changing two things and
nothing else:

1. the server's Window Acknowledgement Size message (40000, 0x00009c40) is
   rewritten in place to 2000 (same length, so every TCP sequence number
   stays right): both players now acknowledge far less often than the window
   asks, so a window's worth of bytes goes unacknowledged between their
   acknowledgements;
2. from 1.5 s after the server's first payload on, the clients' packets are
   left out (they stop acknowledging) except their final FIN or RST, and
   0.3 s later the server's packets are left out too (it stopped sending
   after 0.3 s of media, far more than the window, went unacknowledged).

So each connection ends with the server silent for seconds, more than a
window of its bytes unacknowledged, and the client closing at the time it
really did: the story's ack_window_stall verdict. (The clients' stream has
a gap before their FIN: the bytes they sent in the cut part.)
The checksums of the rewritten packets are not recomputed (loopback
captures carry offloaded, unchecked checksums anyway).
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER_PORT = 1935
OLD_WINDOW = struct.pack(">I", 40000)
NEW_WINDOW = struct.pack(">I", 2000)
# RTMP chunk of a Window Acknowledgement Size on chunk stream 2: message
# length 4, type 5, message stream 0, then the window.
WAS_PREFIX = bytes([0x00, 0x00, 0x04, 0x05, 0x00, 0x00, 0x00, 0x00])
CUT_CLIENT = 1.5  # seconds after the server's first payload
CUT_SERVER = 1.8


def packets(data):
    """Yield (record header, packet bytes) of a classic pcap."""
    off = 24
    while off + 16 <= len(data):
        hdr = data[off:off + 16]
        caplen = struct.unpack("<I", hdr[8:12])[0]
        yield hdr, data[off + 16:off + 16 + caplen]
        off += 16 + caplen


def tcp_of(pkt):
    """(sport, dport, payload offset) of an Ethernet/IPv4/TCP packet, or None."""
    if len(pkt) < 14 + 20 or pkt[12:14] != b"\x08\x00":
        return None
    ip = 14
    ihl = (pkt[ip] & 0x0F) * 4
    if pkt[ip + 9] != 6:
        return None
    tcp = ip + ihl
    sport, dport = struct.unpack(">HH", pkt[tcp:tcp + 4])
    doff = (pkt[tcp + 12] >> 4) * 4
    total = struct.unpack(">H", pkt[ip + 2:ip + 4])[0]
    flags = pkt[tcp + 13]
    return sport, dport, tcp + doff, ip + total, flags


def main():
    src_dir = sys.argv[1] if len(sys.argv) > 1 else HERE
    data = open(os.path.join(src_dir, "ackwin.pcap"), "rb").read()
    if struct.unpack("<I", data[:4])[0] != 0xA1B2C3D4:
        sys.exit("ackwin.pcap: not a little-endian microsecond pcap")
    out = bytearray(data[:24])
    first = None
    patched = dropped = 0
    for hdr, pkt in packets(data):
        t = struct.unpack("<II", hdr[:8])
        when = t[0] + t[1] / 1e6
        tcp = tcp_of(pkt)
        if tcp is not None:
            sport, dport, pay, end, flags = tcp
            if sport == SERVER_PORT and end > pay and first is None:
                first = when
            late = first is not None and when - first
            if sport == SERVER_PORT and late and late > CUT_SERVER:
                dropped += 1
                continue
            if dport == SERVER_PORT and late and late > CUT_CLIENT and not flags & 0x05:  # FIN, RST
                dropped += 1
                continue
            if sport == SERVER_PORT and end > pay:
                i = pkt.find(WAS_PREFIX + OLD_WINDOW, pay, end)
                if i >= 0:
                    j = i + len(WAS_PREFIX)
                    pkt = pkt[:j] + NEW_WINDOW + pkt[j + 4:]
                    patched += 1
        out += hdr + pkt
    if patched == 0 or dropped == 0:
        sys.exit("ackwin.pcap is not the capture this script was written for "
                 f"({patched} windows rewritten, {dropped} packets left out)")
    print(f"kept {len(out)} bytes")
    dst = os.path.join(HERE, "ackstall.pcap")
    with open(dst, "wb") as f:
        f.write(out)
    print(f"{dst}: {patched} window announcements rewritten, {dropped} packets left out")


if __name__ == "__main__":
    main()
