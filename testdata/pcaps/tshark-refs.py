#!/usr/bin/env python3
"""Write tshark's reference output beside a capture, so tests need no tshark.

Usage: tshark-refs.py CAPTURE [tshark decode-as option ...]
   e.g. tshark-refs.py otherport.pcap -d tcp.port==19999,rtmpt

For CAPTURE = DIR/NAME.pcap (or .pcapng) it writes:
  NAME.follow.tsv    one row per TCP stream and direction with payload:
                     stream, src, dst, bytes, sha256 of the reassembled bytes
                     as printed by `tshark -q -z follow,tcp,raw,N`
  NAME.messages.tsv  tshark's per-frame RTMP fields (see MESSAGE_FIELDS)
  NAME.conv.txt      `tshark -q -z conv,tcp`
Everything comes from tshark; nothing is computed here except hex decoding,
byte counts and hashes.
"""
import hashlib
import os
import re
import subprocess
import sys

# The column list of NAME.messages.tsv (documented in README.md). Every name was
# checked against `tshark -G fields` of tshark 4.0.
MESSAGE_FIELDS = [
    "frame.number",
    "tcp.stream",
    "tcp.srcport",
    "tcp.dstport",
    "rtmpt.header.format",
    "rtmpt.header.csid",
    "rtmpt.header.timestamp",
    "rtmpt.header.timestampdelta",
    "rtmpt.header.ets",
    "rtmpt.header.bodysize",
    "rtmpt.header.typeid",
    "rtmpt.header.streamid",
    "rtmpt.scm.chunksize",
    "rtmpt.scm.was",
    "rtmpt.scm.limittype",
    "rtmpt.ucm.eventtype",
    "amf.string",
    "amf.number",
    "rtmpt.audio.format",
    "rtmpt.video.type",
    "rtmpt.video.format",
    "_ws.col.Info",
]


def tshark(args):
    """Run tshark quietly and return stdout as text; fail loudly on error."""
    cmd = ["tshark", "-n"] + args
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err = "\n".join(
        l for l in res.stderr.decode("utf-8", "replace").splitlines()
        if "Running as user" not in l
    )
    if res.returncode != 0:
        sys.exit("tshark %s failed (%d): %s" % (" ".join(args), res.returncode, err))
    if err.strip():
        sys.stderr.write("tshark %s: %s\n" % (" ".join(args), err.strip()))
    return res.stdout.decode("utf-8", "replace")


def endpoint(s):
    """Normalise tshark's 'addr:port' to ip:port with IPv6 in brackets."""
    s = s.strip()
    if s.startswith("["):
        return s
    addr, port = s.rsplit(":", 1)
    if ":" in addr:
        return "[%s]:%s" % (addr, port)
    return "%s:%s" % (addr, port)


def follow_rows(path, decode):
    streams = sorted({
        int(x) for x in tshark(["-r", path] + decode + ["-T", "fields", "-e", "tcp.stream"]).split()
        if x.strip()
    })
    rows = []
    # Follow a bounded number of streams per tshark run so the argument list
    # and memory stay small even for captures with many connections.
    for i in range(0, len(streams), 64):
        batch = streams[i:i + 64]
        args = ["-r", path] + decode + ["-q"]
        for n in batch:
            args += ["-z", "follow,tcp,raw,%d" % n]
        out = tshark(args)
        rows += parse_follow(out)
    rows.sort(key=lambda r: (r[0], r[1] != "0"))
    return rows


def parse_follow(out):
    """Parse the raw follow output of one or more -z follow,tcp,raw,N taps.

    Each block: a '====' rule, 'Follow: tcp,raw', 'Filter: tcp.stream eq N',
    'Node 0: addr:port', 'Node 1: addr:port', then hex lines: a line without a
    leading tab is data sent by node 0, a line with a leading tab is data sent by
    node 1; the block ends with a '====' rule.
    """
    rows = []
    stream = None
    nodes = {}
    data = None
    for line in out.splitlines():
        if line.startswith("====="):
            if stream is not None and data is not None:
                for who in (0, 1):
                    if data[who]:
                        b = bytes(data[who])
                        rows.append((stream, str(who), nodes[who], nodes[1 - who],
                                     len(b), hashlib.sha256(b).hexdigest()))
            stream, nodes, data = None, {}, None
            continue
        m = re.match(r"^Filter: tcp\.stream eq (\d+)$", line)
        if m:
            stream = int(m.group(1))
            data = {0: bytearray(), 1: bytearray()}
            continue
        m = re.match(r"^Node ([01]): (.+)$", line)
        if m:
            nodes[int(m.group(1))] = endpoint(m.group(2))
            continue
        if line.startswith("Follow:") or not line.strip():
            continue
        if data is None:
            continue
        who = 1 if line.startswith("\t") else 0
        data[who] += bytes.fromhex(line.strip())
    return rows


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    path = sys.argv[1]
    decode = sys.argv[2:]
    base = re.sub(r"\.(pcap|pcapng)$", "", path)

    rows = follow_rows(path, decode)
    with open(base + ".follow.tsv", "w") as f:
        f.write("stream\tsrc\tdst\tbytes\tsha256\n")
        for stream, _, src, dst, n, h in rows:
            f.write("%d\t%s\t%s\t%d\t%s\n" % (stream, src, dst, n, h))

    args = ["-r", path] + decode + ["-Y", "rtmpt", "-T", "fields", "-E", "header=y",
                                    "-E", "separator=/t", "-E", "occurrence=a",
                                    "-E", "aggregator=,"]
    for fld in MESSAGE_FIELDS:
        args += ["-e", fld]
    with open(base + ".messages.tsv", "w") as f:
        f.write(tshark(args))

    with open(base + ".conv.txt", "w") as f:
        f.write(tshark(["-r", path] + decode + ["-q", "-z", "conv,tcp"]))


if __name__ == "__main__":
    main()
