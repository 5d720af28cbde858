#!/usr/bin/env python3
"""Derive a capture with one RTMPT request lost: copy a classic pcap,
leaving out the one packet whose TCP payload starts the request
`POST /CMD/<session>/SEQ ` (the request line, its headers and, for small
bodies, the body). Everything else is copied byte for byte.

Usage: rtmpt-drop.py IN.pcap OUT.pcap CMD SEQ      e.g. send 10
Ethernet (DLT 1, what tcpdump -i lo writes) + IPv4 + TCP only.
"""
import re
import struct
import sys


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    src, dst, cmd, seq = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    want = re.compile(rb"^POST /%s/[^/ ]+/%d HTTP/1\.[01]\r\n" % (cmd.encode(), seq))
    data = open(src, "rb").read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        sys.exit("not a classic pcap")
    linktype = struct.unpack(end + "I", data[20:24])[0]
    if linktype != 1:
        sys.exit("linktype %d, want 1 (Ethernet)" % linktype)
    out = [data[:24]]
    off, frame, dropped = 24, 0, []
    while off + 16 <= len(data):
        incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        rec = data[off:off + 16 + incl]
        off += 16 + incl
        frame += 1
        pkt = rec[16:]
        if len(pkt) >= 34 and pkt[12:14] == b"\x08\x00":
            ihl = (pkt[14] & 0x0F) * 4
            tcp = 14 + ihl
            if pkt[23] == 6 and len(pkt) >= tcp + 20:
                doff = (pkt[tcp + 12] >> 4) * 4
                payload = pkt[tcp + doff:]
                if not dropped and want.match(payload):
                    dropped.append(frame)
                    continue
        out.append(rec)
    if not dropped:
        sys.exit("no packet starts POST /%s/.../%d" % (cmd, seq))
    open(dst, "wb").write(b"".join(out))
    sys.stderr.write("dropped frame %d (POST /%s/.../%d)\n" % (dropped[0], cmd, seq))


if __name__ == "__main__":
    main()
