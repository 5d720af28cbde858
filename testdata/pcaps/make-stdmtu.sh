#!/usr/bin/env bash
# make-stdmtu.sh — a big capture at standard MTU, for scripts/vs-tshark.sh
# (issue #17): what `-i any` on a real NIC sees, not loopback's 64 KiB
# segments.
#
#   sudo ./make-stdmtu.sh [BYTES]     large/stdmtu.pcap (default 360000000 bytes)
#
# Two network namespaces of our own joined by a veth pair (MTU 1500, TSO,
# GSO and GRO off, so every segment on the wire is at most 1448 bytes of
# payload), nginx with the RTMP module in one, ffmpeg publishing a 20 Mbit/s
# 720p clip at 10x real time in the other, tcpdump on the client's veth.
# Nothing leaves the namespaces; everything is stopped on exit.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BYTES=${1:-360000000}
OUT=$HERE/large/stdmtu.pcap
[[ $(id -u) == 0 ]] || { echo "run as root" >&2; exit 1; }
for t in ffmpeg nginx tcpdump ip ethtool; do command -v $t >/dev/null || { echo "needs $t" >&2; exit 1; }; done
WORK=$(mktemp -d)
SRV=rtmpscope-srv-$$ CLI=rtmpscope-cli-$$
cleanup() {
	set +e
	[[ -n ${PUB:-} ]] && kill -INT "$PUB" 2>/dev/null
	[[ -n ${CAP:-} ]] && kill -INT "$CAP" 2>/dev/null
	[[ -n ${NGX:-} ]] && kill "$NGX" 2>/dev/null
	sleep 1
	ip netns del "$SRV" 2>/dev/null
	ip netns del "$CLI" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

ip netns add "$SRV"
ip netns add "$CLI"
ip link add veth-s netns "$SRV" type veth peer name veth-c netns "$CLI"
for ns in "$SRV" "$CLI"; do ip -n "$ns" link set lo up; done
ip -n "$SRV" addr add 10.99.0.1/24 dev veth-s
ip -n "$CLI" addr add 10.99.0.2/24 dev veth-c
ip -n "$SRV" link set veth-s mtu 1500 up
ip -n "$CLI" link set veth-c mtu 1500 up
ip netns exec "$SRV" ethtool -K veth-s tso off gso off gro off >/dev/null 2>&1 || true
ip netns exec "$CLI" ethtool -K veth-c tso off gso off gro off >/dev/null 2>&1 || true

cat >"$WORK/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off;
master_process off;
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log info;
events { worker_connections 64; }
rtmp { server { listen 10.99.0.1:1935; chunk_size 4096;
  application live { live on; } } }
CONF
ip netns exec "$SRV" timeout -k 5 900 nginx -c "$WORK/nginx.conf" -e "$WORK/nginx-error.log" &
NGX=$!

echo "== encoding a 10 s 720p clip at ~20 Mbit/s" >&2
timeout -k 5 600 ffmpeg -hide_banner -nostdin -loglevel error -y \
	-f lavfi -i "testsrc2=size=1280x720:rate=30" \
	-f lavfi -i "sine=frequency=440:sample_rate=48000" -t 10 \
	-vf "noise=alls=30:allf=t" -c:v libx264 -preset ultrafast -tune zerolatency \
	-g 60 -b:v 20M -maxrate 20M -bufsize 20M -threads 2 \
	-c:a aac -ac 2 -b:a 128k -f flv "$WORK/clip.flv"

mkdir -p "$HERE/large"
ip netns exec "$CLI" timeout -k 5 900 tcpdump -i veth-c -s 262144 -B 262144 -w "$OUT" 'tcp port 1935' 2>"$WORK/tcpdump.log" &
CAP=$!
sleep 1
ip netns exec "$CLI" timeout -k 5 900 ffmpeg -hide_banner -nostdin -loglevel error -readrate 10 -stream_loop -1 \
	-i "$WORK/clip.flv" -c copy -f flv "rtmp://10.99.0.1:1935/live/live_8f3a2c1d9e7b4a06?token=s3cr3t-5d41402abc4b2a76" &
PUB=$!
while [[ ! -e $OUT ]] || (($(stat -c %s "$OUT") < BYTES)); do
	kill -0 "$PUB" 2>/dev/null || { echo "ffmpeg ended early" >&2; exit 1; }
	sleep 0.5
done
kill -INT "$PUB"; wait "$PUB" || true; PUB=
sleep 0.5
kill -INT "$CAP"; wait "$CAP" || true; CAP=
grep -h 'dropped by kernel' "$WORK/tcpdump.log" >&2 || true
ls -l "$OUT" >&2
