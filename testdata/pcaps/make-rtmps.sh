#!/usr/bin/env bash
# make-rtmps.sh — make rtmpscope's RTMPS test captures (RTMP in TLS) and their
# NSS key logs. Needs root. Everything runs in a private network namespace
# (only lo): nginx with the RTMP module behind nginx's stream{ssl} TLS
# terminator (self-signed certificate), ffmpeg publishing rtmps:// and
# rtmpdump playing rtmps://, both with SSLKEYLOGFILE (GnuTLS writes it).
#
#   sudo ./make-rtmps.sh
#
# Writes rtmps-*.pcap, rtmps-*.keys (the key logs: test secrets of throwaway
# sessions) and rtmps-tls13-dsb.pcapng (keys injected by editcap).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NS=rtmpscope-rtmps
WORK=$(mktemp -d /tmp/rtmpscope-rtmps.XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() {
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[i]}" 2>/dev/null || true; done
    sleep 0.5
    ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT
[[ $(id -u) == 0 ]] || { echo "run as root" >&2; exit 1; }
[[ -e /usr/lib/nginx/modules/ngx_stream_module.so ]] || apt-get install -y -qq libnginx-mod-stream
ip netns del "$NS" 2>/dev/null || true
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
X() { ip netns exec "$NS" "$@"; }

openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=rtmps.test/O=rtmpscope test" \
    -addext "subjectAltName=DNS:rtmps.test" -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
cp "$WORK/key.pem" "$HERE/rtmps-server.key.pem"

cat >"$WORK/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
daemon off; master_process off; worker_processes 1;
pid $WORK/nginx.pid; error_log $WORK/nginx-error.log info;
events { worker_connections 256; }
rtmp { server { listen 127.0.0.1:1935; chunk_size 4096;
    application live { live on; wait_key on; } } }
stream {
    ssl_certificate $WORK/cert.pem; ssl_certificate_key $WORK/key.pem;
    # TLS 1.3, the default suites
    server { listen 127.0.0.1:4431 ssl; ssl_protocols TLSv1.3; proxy_pass 127.0.0.1:1935; }
    # TLS 1.3 ChaCha20-Poly1305 only
    server { listen 127.0.0.1:4432 ssl; ssl_protocols TLSv1.3;
        ssl_conf_command Ciphersuites TLS_CHACHA20_POLY1305_SHA256; proxy_pass 127.0.0.1:1935; }
    # TLS 1.2 ECDHE + AES-GCM
    server { listen 127.0.0.1:4433 ssl; ssl_protocols TLSv1.2; ssl_ciphers ECDHE-RSA-AES256-GCM-SHA384; proxy_pass 127.0.0.1:1935; }
    # TLS 1.2 ECDHE + AES-CBC + HMAC-SHA1
    server { listen 127.0.0.1:4434 ssl; ssl_protocols TLSv1.2; ssl_ciphers ECDHE-RSA-AES128-SHA; proxy_pass 127.0.0.1:1935; }
    # TLS 1.2 RSA key exchange + AES-128-GCM (decryptable with the server key)
    server { listen 127.0.0.1:4435 ssl; ssl_protocols TLSv1.2; ssl_ciphers AES128-GCM-SHA256; proxy_pass 127.0.0.1:1935; }
}
CONF
X timeout 300 nginx -c "$WORK/nginx.conf" -e "$WORK/nginx-error.log" &
PIDS+=($!)
sleep 1

SRC=(-f lavfi -i "testsrc=size=160x120:rate=15" -f lavfi -i "sine=frequency=440:sample_rate=44100"
     -c:v libx264 -preset ultrafast -tune zerolatency -g 15 -pix_fmt yuv420p -c:a aac -b:a 32k)

# capture NAME PORT CMD...: tcpdump on lo for the port while CMD runs.
capture() {
    local name=$1 port=$2; shift 2
    rm -f "$WORK/$name.keys"
    X timeout 60 tcpdump -i lo -s 0 -U -w "$WORK/$name.pcap" "tcp port $port" 2>/dev/null &
    local tp=$!
    sleep 1
    SSLKEYLOGFILE="$WORK/$name.keys" X timeout 30 "$@" >"$WORK/$name.log" 2>&1 || true
    sleep 1
    kill $tp; wait $tp 2>/dev/null || true
    cp "$WORK/$name.pcap" "$HERE/rtmps-$name.pcap"
    if [[ -s $WORK/$name.keys ]]; then cp "$WORK/$name.keys" "$HERE/rtmps-$name.keys"; fi
    echo "== $name: $(stat -c %s "$HERE/rtmps-$name.pcap") bytes, keys $(wc -l <"$WORK/$name.keys" 2>/dev/null || echo 0) lines"
}

capture tls13-publish 4431 ffmpeg -hide_banner -nostdin -re "${SRC[@]}" -t 2 -f flv rtmps://127.0.0.1:4431/live/tls13
capture chacha-publish 4432 ffmpeg -hide_banner -nostdin -re "${SRC[@]}" -t 2 -f flv rtmps://127.0.0.1:4432/live/chacha
capture tls12-gcm-publish 4433 ffmpeg -hide_banner -nostdin -re "${SRC[@]}" -t 2 -f flv rtmps://127.0.0.1:4433/live/gcm
capture tls12-cbc-publish 4434 ffmpeg -hide_banner -nostdin -re "${SRC[@]}" -t 2 -f flv rtmps://127.0.0.1:4434/live/cbc
capture tls12-rsa-publish 4435 ffmpeg -hide_banner -nostdin -re "${SRC[@]}" -t 2 -f flv rtmps://127.0.0.1:4435/live/rsa

# rtmpdump playing over TLS 1.3 while ffmpeg publishes plain RTMP (not captured).
# (librtmp 2.4 with GnuTLS fails its RTMP handshake after TLS here: a real failure.)
X timeout 20 ffmpeg -hide_banner -nostdin -re "${SRC[@]}" -t 12 -f flv rtmp://127.0.0.1:1935/live/feed >"$WORK/feed.log" 2>&1 &
PIDS+=($!)
sleep 2
capture tls13-play 4431 rtmpdump -r rtmps://127.0.0.1:4431/live/feed -B 2 -o /dev/null

# RTMPTS: ffmpeg's rtmpts:// against a TLS server whose plaintext is an HTTP
# server that answers every RTMPT request with 404 (no RTMPT server here).
cat >"$WORK/nginx-http.conf" <<CONF
daemon off; master_process off; worker_processes 1;
pid $WORK/nginx-http.pid; error_log $WORK/nginx-http-error.log info;
events { worker_connections 64; }
http { access_log off; server { listen 127.0.0.1:4437 ssl; ssl_certificate $WORK/cert.pem; ssl_certificate_key $WORK/key.pem;
    location / { return 404; } } }
CONF
X timeout 60 nginx -c "$WORK/nginx-http.conf" -e "$WORK/nginx-http-error.log" &
PIDS+=($!)
sleep 1
capture rtmpts-404 4437 ffmpeg -hide_banner -nostdin -re "${SRC[@]}" -t 1 -f flv rtmpts://127.0.0.1:4437/live/tunnel

# The TLS 1.3 publish with its keys inside the pcapng (Decryption Secrets Block).
editcap --inject-secrets "tls,$HERE/rtmps-tls13-publish.keys" -F pcapng "$HERE/rtmps-tls13-publish.pcap" "$HERE/rtmps-tls13-dsb.pcapng"
ls -l "$HERE"/rtmps-*
