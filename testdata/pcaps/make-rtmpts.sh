#!/usr/bin/env bash
# make-rtmpts.sh — make rtmpscope's RTMPTS test captures (RTMPT in TLS) and
# their NSS key logs. Needs root and the Go toolchain (to build
# rtmpt-gateway/). Everything runs in a private network namespace (only lo).
#
#   ffmpeg rtmpts:// (SSLKEYLOGFILE: GnuTLS writes it)
#     -> nginx http{ ssl } on 127.0.0.1:4438, TLS 1.3, one keep-alive
#        connection (the RTMPTS leg)
#     -> proxy_pass, HTTP/1.0 upstream: one TCP connection per request
#        -> rtmpt-gateway on 127.0.0.1:18080 (the plain RTMPT leg)
#     -> plain RTMP -> nginx-rtmp on 127.0.0.1:19350 (the gateway's leg)
#
# All three legs are in each capture, so the decrypted, de-tunnelled bytes
# of the TLS leg can be checked against the plain RTMPT leg and the plain
# RTMP leg. Each capture gets tshark's references (tshark-refs.py).
#
#   rtmpts-publish.pcap/.keys  ffmpeg publishes for 2 s
#   rtmpts-play.pcap/.keys     ffmpeg plays 2 s while an uncaptured ffmpeg
#                              publishes to 127.0.0.1:19351
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NS=rtmpscope-rtmpts
WORK=$(mktemp -d /tmp/rtmpscope-rtmpts.XXXXXX)
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
for t in nginx ffmpeg tcpdump tshark python3 openssl go; do
    command -v $t >/dev/null || { echo "missing $t" >&2; exit 1; }
done
ip netns del "$NS" 2>/dev/null || true
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
X() { ip netns exec "$NS" "$@"; }

(cd "$HERE/rtmpt-gateway" && GOWORK=off GOFLAGS=-mod=mod timeout -k 5 600 go build -o "$WORK/rtmpt-gateway" .)
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=rtmpts.test/O=rtmpscope test" \
    -addext "subjectAltName=DNS:rtmpts.test" -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null

cat >"$WORK/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off; master_process off; worker_processes 1;
pid $WORK/nginx.pid; error_log $WORK/nginx-error.log info;
events { worker_connections 256; }
rtmp { server { listen 127.0.0.1:19350; listen 127.0.0.1:19351; chunk_size 4096;
    application live { live on; wait_key on; wait_video on; } } }
http {
    access_log $WORK/nginx-access.log;
    client_body_temp_path $WORK/client_body; proxy_temp_path $WORK/proxy_temp;
    fastcgi_temp_path $WORK/fastcgi_temp; uwsgi_temp_path $WORK/uwsgi_temp; scgi_temp_path $WORK/scgi_temp;
    server {
        listen 127.0.0.1:4438 ssl;
        ssl_certificate $WORK/cert.pem; ssl_certificate_key $WORK/key.pem;
        ssl_protocols TLSv1.3;
        keepalive_requests 100000;
        location / {
            proxy_pass http://127.0.0.1:18080;
            proxy_http_version 1.0;
            proxy_buffering off;
            proxy_request_buffering on;
            proxy_set_header Connection "";
        }
    }
}
CONF
X timeout 300 nginx -c "$WORK/nginx.conf" -e "$WORK/nginx-error.log" &
PIDS+=($!)
X timeout 300 "$WORK/rtmpt-gateway" -v -listen 127.0.0.1:18080 -upstream 127.0.0.1:19350 >"$WORK/gateway.log" 2>&1 &
PIDS+=($!)
sleep 1

SRC=(-f lavfi -i "testsrc=size=160x120:rate=15" -f lavfi -i "sine=frequency=440:sample_rate=44100"
     -c:v libx264 -preset ultrafast -tune zerolatency -g 15 -pix_fmt yuv420p -c:a aac -b:a 32k)
KEY="rtmpts_7c1e?token=s3cr3t-9a0b7c"

capture() { # NAME CMD...
    local name=$1; shift
    rm -f "$WORK/$name.keys"
    X timeout 60 tcpdump -i lo -s 0 -U -w "$WORK/$name.pcap" "tcp port 4438 or tcp port 18080 or tcp port 19350" 2>/dev/null &
    local tp=$!
    sleep 1
    SSLKEYLOGFILE="$WORK/$name.keys" X timeout 30 "$@" >"$WORK/$name.log" 2>&1 || true
    sleep 2 # the gateway closes sessions left without /close after 1.5 s
    kill $tp; wait $tp 2>/dev/null || true
    cp "$WORK/$name.pcap" "$HERE/rtmpts-$name.pcap"
    cp "$WORK/$name.keys" "$HERE/rtmpts-$name.keys"
    echo "== rtmpts-$name: $(stat -c %s "$HERE/rtmpts-$name.pcap") bytes, keys $(wc -l <"$WORK/$name.keys") lines"
    # tshark's references: it decrypts the TLS leg with the key log and
    # finds the client's RTMP in the HTTP bodies; the gateway port is HTTP,
    # the upstream port RTMP.
    python3 "$HERE/tshark-refs.py" "$HERE/rtmpts-$name.pcap" -o "tls.keylog_file:$HERE/rtmpts-$name.keys" \
        -d tcp.port==18080,http -d tcp.port==19350,rtmpt
}

capture publish ffmpeg -hide_banner -nostdin -re "${SRC[@]}" -t 2 -f flv "rtmpts://127.0.0.1:4438/live/$KEY"

X timeout 20 ffmpeg -hide_banner -nostdin -re "${SRC[@]}" -t 10 -f flv "rtmp://127.0.0.1:19351/live/feed" >"$WORK/feed.log" 2>&1 &
PIDS+=($!)
sleep 2
capture play ffmpeg -hide_banner -nostdin -rtmp_live live -rw_timeout 5000000 -i rtmpts://127.0.0.1:4438/live/feed -t 2 -map 0 -c copy -f null -
cp "$WORK/gateway.log" "$WORK/nginx-error.log" /tmp/h-variants/ 2>/dev/null || true
ls -l "$HERE"/rtmpts-*
