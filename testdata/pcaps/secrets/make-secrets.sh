#!/usr/bin/env bash
# make-secrets.sh — the captures of the secrets test (issue #14 item 7):
#
#   secrets-real.pcap  real: ffmpeg publishes to rtmp://127.0.0.1/live/KEY
#                      with the key in the tcUrl path (-rtmp_tcurl) and as
#                      an extra connect argument (-rtmp_conn S:KEY), and
#                      rtmpdump plays it with the key in the tcUrl path (-t)
#                      and as an extra connect argument (-C S:KEY);
#   secrets.pcap       derived from it by derive.go: the same key planted in
#                      shared objects, property and class names, a ByteArray,
#                      an object-argument publish, an aggregate's onMetaData,
#                      and a short key (see derive.go).
#
# Runs in a private network namespace (unshare -n, as root) whose only interface is
# lo: nginx with the RTMP module (../nginx-rtmp.conf.in), ffmpeg, rtmpdump,
# tcpdump. Every process is bounded by timeout and stopped on exit.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KEY=${KEY:-live_123_AbCdEf9XyZ}

if [[ ${1:-} != --inside ]]; then
    for t in ffmpeg nginx rtmpdump tcpdump tshark go; do
        command -v "$t" >/dev/null || { echo "make-secrets: $t is missing" >&2; exit 1; }
    done
    exec unshare -n "$0" --inside
fi

ip link set lo up
WORK=$(mktemp -d /tmp/rtmpscope-secrets.XXXXXX)
PIDS=()
cleanup() {
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[i]}" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

sed "s#@WORKDIR@#$WORK#g" "$HERE/../nginx-rtmp.conf.in" | grep -v '\[::1\]' >"$WORK/nginx.conf"
timeout -k 5 300 nginx -c "$WORK/nginx.conf" -p "$WORK/" -e "$WORK/nginx-error.log" &
PIDS+=($!)
for _ in $(seq 100); do [[ -e $WORK/nginx.pid ]] && break; sleep 0.1; done
sleep 0.5

timeout -k 5 120 tcpdump -i lo -s 0 -U -Z root -w "$WORK/real.pcap" 'tcp port 1935 and host 127.0.0.1' 2>"$WORK/tcpdump.log" &
PIDS+=($!)
for _ in $(seq 100); do grep -q 'listening on' "$WORK/tcpdump.log" && break; sleep 0.1; done

URL=rtmp://127.0.0.1:1935/live/$KEY
timeout -k 5 60 ffmpeg -hide_banner -nostdin -loglevel error -re \
    -t 4 -f lavfi -i testsrc2=size=160x120:rate=15 -t 4 -f lavfi -i sine=frequency=440:sample_rate=44100 \
    -c:v libx264 -preset ultrafast -tune zerolatency -g 15 -b:v 100k -threads 1 -c:a aac -b:a 32k \
    -flags +bitexact -fflags +bitexact \
    -rtmp_tcurl "$URL" -rtmp_conn "S:$KEY" -f flv "$URL" &
PUB=$!
PIDS+=($PUB)
sleep 1.5
timeout -k 5 -s INT 2 rtmpdump -q -v -r "$URL" -t "$URL" -C "S:$KEY" -o /dev/null || true
wait "$PUB" || true
sleep 1
kill -INT "${PIDS[1]}" 2>/dev/null || true
wait "${PIDS[1]}" 2>/dev/null || true

install -m 644 "$WORK/real.pcap" "$HERE/secrets-real.pcap"
# The publisher's chunk size after its publish (ffmpeg echoes the server's).
CHUNK=$(tshark -r "$HERE/secrets-real.pcap" -Y 'rtmpt.scm.chunksize && tcp.dstport==1935' -T fields -e rtmpt.scm.chunksize | head -1)
(cd "$HERE" && go run derive.go -key "$KEY" -chunk "${CHUNK:-128}" secrets-real.pcap secrets.pcap)
ls -l "$HERE"/secrets*.pcap >&2
