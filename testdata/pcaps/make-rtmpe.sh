#!/usr/bin/env bash
# make-rtmpe.sh — make rtmpscope's RTMPE test captures and their key files.
# Needs root. Runs in a private network namespace (only lo), because rtmpsuck
# always binds 0.0.0.0:1935.
#
#   rtmpe-play.pcap     rtmpdump -r rtmpe:// (play) -> rtmpsuck (accepts RTMPE)
#                       -> plain RTMP -> nginx-rtmp on 127.0.0.1:1936; both
#                       legs are in the capture: the plain leg is the oracle.
#   rtmpe-play.keys     the --rtmpe-keys file made from rtmpdump -V's output by
#                       scripts/rtmpe-keys.sh
#   rtmpe-refused.pcap  rtmpdump -r rtmpe:// straight at nginx-rtmp, which
#                       closes on C0=6 without a byte.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
NS=rtmpscope-rtmpe
WORK=$(mktemp -d /tmp/rtmpscope-rtmpe.XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() {
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[i]}" 2>/dev/null || true; done
    sleep 0.5
    ip netns pids "$NS" 2>/dev/null | xargs -r kill 2>/dev/null || true
    ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT
[[ $(id -u) == 0 ]] || { echo "run as root" >&2; exit 1; }
ip netns del "$NS" 2>/dev/null || true
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
X() { ip netns exec "$NS" "$@"; }

cat >"$WORK/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off; master_process off; worker_processes 1;
pid $WORK/nginx.pid; error_log $WORK/nginx-error.log info;
events { worker_connections 64; }
rtmp { server { listen 127.0.0.1:1936; listen 127.0.0.2:1937; listen 127.0.0.3:1938; chunk_size 4096;
    application live { live on; wait_key on; } } }
CONF
X timeout 120 nginx -c "$WORK/nginx.conf" -e "$WORK/nginx-error.log" &
PIDS+=($!)
sleep 0.5
# rtmpsuck reads commands from stdin: give it a quiet one. It writes the
# stream it relays to files in its working directory.
(cd "$WORK" && sleep 100 | X timeout 100 rtmpsuck >"$WORK/suck.log" 2>&1) &
PIDS+=($!)
X timeout 40 ffmpeg -hide_banner -nostdin -re -f lavfi -i "testsrc=size=160x120:rate=15" -f lavfi -i "sine=frequency=440:sample_rate=44100" \
    -c:v libx264 -preset ultrafast -tune zerolatency -g 15 -pix_fmt yuv420p -c:a aac -b:a 32k -t 30 \
    -f flv rtmp://127.0.0.3:1938/live/feed >"$WORK/feed.log" 2>&1 &
PIDS+=($!)
sleep 2

capture() { # NAME SECONDS FILTER CMD...
    local name=$1 secs=$2 filter=$3; shift 3
    X timeout 60 tcpdump -i lo -s 0 -U -w "$WORK/$name.pcap" "$filter" 2>/dev/null &
    local tp=$!
    sleep 1
    X timeout "$secs" "$@" >"$WORK/$name.log" 2>&1 || true
    sleep 1
    kill $tp; wait $tp 2>/dev/null || true
    cp "$WORK/$name.pcap" "$HERE/rtmpe-$name.pcap"
    echo "== $name: $(stat -c %s "$HERE/rtmpe-$name.pcap") bytes"
}
# -t: the tcUrl rtmpsuck connects upstream to (plain RTMP to nginx). The
# publisher feeds nginx on 127.0.0.3:1938, outside the capture filter.
capture play 5 "tcp port 1935 or tcp port 1936" rtmpdump -V -r rtmpe://127.0.0.1:1935/live/feed -t rtmp://127.0.0.1:1936/live -v -B 1 -o /dev/null
client=$(tshark -r "$WORK/play.pcap" -Y 'tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.dstport==1935' -T fields -e ip.src -e tcp.srcport | head -1 | tr '\t' ':')
"$ROOT/scripts/rtmpe-keys.sh" --client "$client" --server 127.0.0.1:1935 <"$WORK/play.log" >"$HERE/rtmpe-play.keys"
capture refused 10 "tcp port 1937" rtmpdump -V -r rtmpe://127.0.0.2:1937/live/feed -B 1 -o /dev/null
ls -l "$HERE"/rtmpe-*
