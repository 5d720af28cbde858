#!/usr/bin/env bash
# make-rtmpte.sh — make rtmpscope's RTMPTE test capture (RTMPE tunnelled in
# HTTP) and its key file. Needs root and the Go toolchain (to build
# rtmpt-gateway/). Runs in a private network namespace (only lo), because
# rtmpsuck always binds 0.0.0.0:1935.
#
#   rtmpte-play.pcap   rtmpdump -r rtmpte:// (play)
#                        -> rtmpt-gateway on 127.0.0.1:18080 (de-tunnels HTTP;
#                           passes the RTMPE bytes on untouched)
#                        -> rtmpsuck on :1935 (accepts RTMPE)
#                        -> plain RTMP -> nginx-rtmp on 127.0.0.1:1936.
#                      All three legs are in the capture: the tunnel
#                      (RTMPTE), the gateway's RTMPE leg (the same RTMPE
#                      bytes over plain TCP) and rtmpsuck's plain RTMP leg,
#                      the oracle of the messages.
#   rtmpte-play.keys   the --rtmpe-keys file made from rtmpdump -V's output by
#                      scripts/rtmpe-keys.sh: one line for the tunnelled
#                      session (keyed by the first HTTP connection's ends) and
#                      one for the gateway's RTMPE leg (same secret).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
NS=rtmpscope-rtmpte
WORK=$(mktemp -d /tmp/rtmpscope-rtmpte.XXXXXX)
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
for t in nginx rtmpsuck rtmpdump ffmpeg tcpdump tshark go; do
    command -v $t >/dev/null || { echo "missing $t" >&2; exit 1; }
done
ip netns del "$NS" 2>/dev/null || true
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
X() { ip netns exec "$NS" "$@"; }

(cd "$HERE/rtmpt-gateway" && GOWORK=off GOFLAGS=-mod=mod timeout -k 5 600 go build -o "$WORK/rtmpt-gateway" .)

cat >"$WORK/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off; master_process off; worker_processes 1;
pid $WORK/nginx.pid; error_log $WORK/nginx-error.log info;
events { worker_connections 64; }
rtmp { server { listen 127.0.0.1:1936; listen 127.0.0.3:1938; chunk_size 4096;
    application live { live on; wait_key on; } } }
CONF
X timeout 120 nginx -c "$WORK/nginx.conf" -e "$WORK/nginx-error.log" &
PIDS+=($!)
sleep 0.5
# rtmpsuck reads commands from stdin: give it a quiet one.
(cd "$WORK" && sleep 100 | X timeout 100 rtmpsuck >"$WORK/suck.log" 2>&1) &
PIDS+=($!)
X timeout 100 "$WORK/rtmpt-gateway" -v -listen 127.0.0.1:18080 -upstream 127.0.0.1:1935 >"$WORK/gateway.log" 2>&1 &
PIDS+=($!)
X timeout 40 ffmpeg -hide_banner -nostdin -re -f lavfi -i "testsrc=size=160x120:rate=15" -f lavfi -i "sine=frequency=440:sample_rate=44100" \
    -c:v libx264 -preset ultrafast -tune zerolatency -g 15 -pix_fmt yuv420p -c:a aac -b:a 32k -t 30 \
    -f flv rtmp://127.0.0.3:1938/live/feed >"$WORK/feed.log" 2>&1 &
PIDS+=($!)
sleep 2

X timeout 60 tcpdump -i lo -s 0 -U -w "$WORK/play.pcap" "tcp port 18080 or tcp port 1935 or tcp port 1936" 2>/dev/null &
TP=$!
sleep 1
# -t: the tcUrl rtmpsuck connects upstream to (plain RTMP to nginx).
X timeout 5 rtmpdump -V -r rtmpte://127.0.0.1:18080/live/feed -t rtmp://127.0.0.1:1936/live -v -B 1 -o /dev/null >"$WORK/play.log" 2>&1 || true
sleep 2 # the gateway closes the session 1.5 s after its last request
kill $TP; wait $TP 2>/dev/null || true
cp "$WORK/play.pcap" "$HERE/rtmpte-play.pcap"
echo "== rtmpte-play: $(stat -c %s "$HERE/rtmpte-play.pcap") bytes"
syn() { tshark -r "$WORK/play.pcap" -Y "tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.dstport==$1" -T fields -e ip.src -e tcp.srcport 2>/dev/null | head -1 | tr '\t' ':'; }
tunnel=$(syn 18080)
leg=$(syn 1935)
{
    "$ROOT/scripts/rtmpe-keys.sh" --client "$tunnel" --server 127.0.0.1:18080 <"$WORK/play.log"
    "$ROOT/scripts/rtmpe-keys.sh" --client "$leg" --server 127.0.0.1:1935 <"$WORK/play.log" | grep -v '^#'
} >"$HERE/rtmpte-play.keys"
# tshark's references: the gateway port as HTTP, the plain leg on 1936 as
# RTMP (tshark cannot decrypt RTMPE: what it makes of port 1935 is noise).
python3 "$HERE/tshark-refs.py" "$HERE/rtmpte-play.pcap" -d tcp.port==18080,http -d tcp.port==1936,rtmpt
ls -l "$HERE"/rtmpte-*
