#!/bin/sh
# Extracts the AMF bodies of RTMP command (type 0x14) and data (type 0x12)
# messages from the project's real captures, with tshark's own view of each
# one, for the decoder tests:
#
#   <capture>-f<frame>-<n>-<name>.bin         the message body, as tshark reassembled it
#   <capture>-f<frame>-<n>-<name>.tshark.txt  tshark -V's "RTMP Body" tree for it
#
# The bytes are rebuilt from tshark's own field positions (-T json -x), so
# they are exactly the body tshark dissected; the .txt is tshark's text, not
# ours, and the tests assert against it.
#
# Usage: extract.sh [PCAPDIR]   (default: ../../../testdata/pcaps)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
pcaps=${1:-$here/../../../testdata/pcaps}
for cap in publish play rtmpdump-play; do
	f=$pcaps/$cap.pcap
	[ -f "$f" ] || { echo "skip $f (missing)" >&2; continue; }
	filter='rtmpt.header.typeid == 0x14 || rtmpt.header.typeid == 0x12'
	tshark -r "$f" -Y "$filter" -T json -x --no-duplicate-keys >"$here/.$cap.json" 2>/dev/null
	tshark -r "$f" -Y "$filter" -V -O rtmpt >"$here/.$cap.txt" 2>/dev/null
	python3 - "$cap" "$here" <<'PY'
import json, re, sys
cap, out = sys.argv[1], sys.argv[2]
frames = json.load(open(f"{out}/.{cap}.json"))

# tshark -V text, split into RTMP PDUs per frame, in order.
text_pdus = {}
frame = None
cur = None
for line in open(f"{out}/.{cap}.txt"):
    m = re.match(r"^Frame (\d+):", line)
    if m:
        frame = int(m.group(1))
        cur = None
        continue
    if line.startswith("Real Time Messaging Protocol"):
        cur = [line]
        text_pdus.setdefault(frame, []).append(cur)
    elif cur is not None and line.startswith(" "):
        cur.append(line)
    else:
        cur = None

def raws(o, acc):
    if isinstance(o, dict):
        for k, v in o.items():
            if k.endswith("_raw") and isinstance(v, list) and len(v) >= 3 and isinstance(v[0], str):
                acc.append((v[1], bytes.fromhex(v[0])))
            else:
                raws(v, acc)
    elif isinstance(o, list):
        for x in o:
            raws(x, acc)

for fr in frames:
    layers = fr["_source"]["layers"]
    num = int(layers["frame"]["frame.number"])
    pdus = layers["rtmpt"]
    if isinstance(pdus, dict):
        pdus = [pdus]
    texts = text_pdus.get(num, [])
    for i, pdu in enumerate(pdus):
        hdr = pdu.get("RTMP Header", {})
        typeid = hdr.get("rtmpt.header.typeid")
        if typeid not in ("0x14", "0x12", "20", "18"):
            continue
        size = int(hdr["rtmpt.header.bodysize"])
        body = pdu.get("RTMP Body")
        if body is None:
            continue
        acc = []
        raws(body, acc)
        if not acc:
            continue
        start = min(p for p, _ in acc)
        buf = bytearray(size)
        seen = bytearray(size)
        for p, b in acc:
            for j, x in enumerate(b):
                k = p - start + j
                if 0 <= k < size:
                    buf[k] = x
                    seen[k] = 1
        if not all(seen):
            print(f"{cap} frame {num} pdu {i}: tshark fields do not cover the body", file=sys.stderr)
            continue
        # The name is the first AMF0 string.
        name = buf[3:3 + int.from_bytes(buf[1:3], "big")].decode("utf-8", "replace") if buf[:1] == b"\x02" else "body"
        name = re.sub(r"[^A-Za-z0-9_]", "", name) or "body"
        base = f"{out}/{cap}-f{num}-{i}-{name}"
        open(base + ".bin", "wb").write(bytes(buf))
        t = texts[i] if i < len(texts) else []
        keep, on = [], False
        for line in t:
            if line.startswith("    RTMP Body"):
                on = True
            elif on and not line.startswith("        "):
                on = False
            if on:
                keep.append(line)
        open(base + ".tshark.txt", "w").write("".join(keep))
        print(base.rsplit("/", 1)[1], size)
PY
	rm -f "$here/.$cap.json" "$here/.$cap.txt"
done
