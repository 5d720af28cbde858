#!/usr/bin/env bash
# metrics-live.sh BIN OUTDIR — the live half of cmd/rtmpscope's metrics
# test (TestMetricsLive), run as root as `unshare -n metrics-live.sh BIN OUTDIR`
# (nginx needs real root for its compiled-in log paths, so not unshare -r):
# in a network namespace of its own whose only interface is lo, a private
# nginx-rtmp listens on 127.0.0.1:1935, `rtmpscope -i lo --metrics` watches
# it (and writes what it captured with -w), and ffmpeg publishes 4 s of
# H.264 + AAC (make-captures.sh's settings). Scrapes are written to OUTDIR:
#   during.prom  while the stream is published (its stream_open is 1)
#   after.prom   after the publisher's connection closed (stream_open 0)
#   live.pcapng  the packets rtmpscope captured, for `rtmpscope stats`
# Every process is bounded by timeout and stopped on exit.
set -euo pipefail
BIN=$1 OUT=$2
PORT=9464
KEY="live_8f3a2c1d9e7b4a06?token=s3cr3t-5d41402abc4b2a76"
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

ip link set lo up

cat >"$OUT/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off;
master_process off;
worker_processes 1;
pid $OUT/nginx.pid;
error_log $OUT/nginx-error.log info;
events { worker_connections 64; }
rtmp {
    server {
        listen 127.0.0.1:1935;
        chunk_size 4096;
        application live { live on; }
    }
}
CONF
timeout -k 5 120 nginx -c "$OUT/nginx.conf" -p "$OUT/" -e "$OUT/nginx-error.log" &
pids+=($!)

# poll CMD...: retry for up to 20 s (sequencing only; nothing is timed).
poll() {
    local i
    for ((i = 0; i < 200; i++)); do
        "$@" && return 0
        sleep 0.1
    done
    echo "metrics-live: gave up waiting for: $*" >&2
    return 1
}
listening() { (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }
poll listening 1935

timeout -k 5 120 "$BIN" -i lo -f 'tcp port 1935' -q --no-tui -w "$OUT/live.pcapng" \
    --metrics 127.0.0.1:$PORT 2>"$OUT/rtmpscope.err" &
RS=$!
pids+=($RS)
poll grep -q 'serving metrics' "$OUT/rtmpscope.err"
sleep 0.5 # the capture socket is opened after the server starts

timeout -k 5 60 ffmpeg -hide_banner -nostdin -loglevel error -re \
    -t 4 -f lavfi -i "testsrc2=size=320x240:rate=25" \
    -t 4 -f lavfi -i "sine=frequency=440:sample_rate=44100" \
    -map 0:v -map 1:a \
    -c:v libx264 -preset ultrafast -tune zerolatency -profile:v baseline \
    -pix_fmt yuv420p -g 50 -b:v 300k -maxrate 300k -bufsize 300k -threads 1 \
    -c:a aac -ar 44100 -ac 2 -b:a 64k \
    -flags +bitexact -fflags +bitexact -f flv "rtmp://127.0.0.1:1935/live/$KEY" &
FF=$!
pids+=($FF)

scrape() { curl -sf "http://127.0.0.1:$PORT/metrics" >"$OUT/$1.tmp" && grep -qE "$2" "$OUT/$1.tmp" && mv "$OUT/$1.tmp" "$OUT/$1"; }
poll scrape during.prom '^rtmpscope_stream_open\{.*role="publish".*\} 1$'
wait $FF
poll scrape after.prom '^rtmpscope_stream_open\{.*role="publish".*\} 0$'
kill -INT $RS
wait $RS
