#!/usr/bin/env bash
# make-rtmpt.sh — (re)make rtmpscope's real RTMPT test captures and tshark's
# reference output for each of them. See README.md (RTMPT) in this folder.
#
#   sudo ./make-rtmpt.sh                  all RTMPT captures
#   sudo ./make-rtmpt.sh publish proxy    only those (rtmpt-NAME.pcap)
#   --keep                                keep the temp work dir (logs)
#
# No installable server speaks RTMPT, so rtmpt-gateway/ (our own, its own
# go.mod) accepts RTMPT on 127.0.0.1:18080 and bridges every session to a
# private nginx-rtmp on 127.0.0.1:19350 over plain TCP; nginx's http module
# on 127.0.0.1:18081 is a reverse proxy in front of the gateway that speaks
# HTTP/1.0 upstream (one TCP connection per request). Every capture holds
# the tunnelled session(s) AND the gateway's plain RTMP leg to nginx (port
# 19350): the de-tunnelled bytes must equal that leg's bytes. Publishers
# that feed a captured player use 127.0.0.1:19351 (not captured).
# Everything binds 127.0.0.1 only; every process is bounded by `timeout`
# and stopped on exit. Needs root (packet capture), Debian 12 packages and
# the Go toolchain (to build the gateway; stdlib only).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=$HERE
STREAM=live_8f3a2c1d9e7b4a06
KEY="$STREAM?token=s3cr3t-5d41402abc4b2a76"
GW=127.0.0.1:18080    # rtmpt-gateway (RTMPT)
PROXY=127.0.0.1:18081 # nginx http proxy_pass -> GW, HTTP/1.0 upstream
UP=127.0.0.1:19350    # nginx-rtmp, the gateway's upstream (captured)
FEED=127.0.0.1:19351  # nginx-rtmp, uncaptured publishers
FILTER='host 127.0.0.1 and (tcp port 18080 or tcp port 19350)'
# tshark decodes the gateway port as HTTP (its RTMPT dissector then takes the
# application/x-fcs bodies) and the upstream port as RTMP.
DECODE=(-d tcp.port==18080,http -d tcp.port==19350,rtmpt)

KEEP=
SELECTED=()
for arg in "$@"; do
    case $arg in
        --keep) KEEP=1 ;;
        -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
        -*) echo "unknown option $arg" >&2; exit 2 ;;
        *) SELECTED+=("$arg") ;;
    esac
done

log() { printf '== %s\n' "$*" >&2; }
die() { printf 'make-rtmpt: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) == 0 ]] || die "run as root (packet capture needs it)"
for t in ffmpeg nginx rtmpdump gst-launch-1.0 tcpdump tshark python3 go ss; do
    command -v $t >/dev/null || die "missing $t (apt-get install ffmpeg nginx libnginx-mod-rtmp rtmpdump gstreamer1.0-tools gstreamer1.0-plugins-bad gstreamer1.0-plugins-good tcpdump tshark python3 golang)"
done
gst-inspect-1.0 rtmpsink >/dev/null 2>&1 || die "GStreamer's rtmpsink is missing (gstreamer1.0-plugins-bad)"

WORK=$(mktemp -d /tmp/rtmpscope-rtmpt.XXXXXX)
chmod 755 "$WORK"
: >"$WORK/pids"
track() { echo "$1" >>"$WORK/pids"; }

cleanup() {
    local rc=$? pid
    trap - EXIT INT TERM
    while read -r pid; do kill -TERM "$pid" 2>/dev/null || true; done < <(tac "$WORK/pids")
    wait 2>/dev/null || true
    if [[ -n $KEEP ]]; then log "work dir kept: $WORK"; else rm -rf "$WORK"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for() { # FILE PATTERN
    local i
    for ((i = 0; i < 100; i++)); do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    cat "$1" >&2 || true
    die "timed out waiting for '$2' in $1"
}

# ---------------------------------------------------------------- servers
for p in $GW $PROXY $UP $FEED; do
    if ss -Hltn "sport = :${p##*:}" | grep -qF -- "$p"; then die "$p is already in use"; fi
done
sed "s#@WORKDIR@#$WORK#g" "$HERE/rtmpt-nginx.conf.in" >"$WORK/nginx.conf"
nginx -t -q -c "$WORK/nginx.conf" -p "$WORK/" -e "$WORK/nginx-error.log"
timeout -k 5 3600 nginx -c "$WORK/nginx.conf" -p "$WORK/" -e "$WORK/nginx-error.log" &
track $!
(cd "$HERE/rtmpt-gateway" && GOWORK=off GOFLAGS=-mod=mod timeout -k 5 600 go build -o "$WORK/rtmpt-gateway" .)
timeout -k 5 3600 "$WORK/rtmpt-gateway" -v -listen $GW -upstream $UP >"$WORK/gateway.log" 2>&1 &
track $!
wait_for "$WORK/gateway.log" 'listening on'
for ((i = 0; i < 100; i++)); do ss -Hltn | grep -qF $PROXY && break; sleep 0.1; done

# ---------------------------------------------------------------- capture
CAP_PID=
cap_start() { # FILE
    rm -f "$WORK/$1"
    : >"$WORK/$1.log"
    timeout -k 5 600 tcpdump -i lo -s 0 -U --immediate-mode -B 32768 -w "$WORK/$1" "$FILTER" 2>"$WORK/$1.log" &
    CAP_PID=$!
    track $CAP_PID
    wait_for "$WORK/$1.log" 'listening on'
}
cap_stop() { sleep 1; kill -INT "$CAP_PID" 2>/dev/null || true; wait "$CAP_PID" || true; }

finish() { # NAME: copy out, make tshark's references
    local f=rtmpt-$1.pcap
    install -m 644 "$WORK/$f" "$OUT/$f"
    python3 "$HERE/tshark-refs.py" "$OUT/$f" "${DECODE[@]}"
    log "$f: $(stat -c %s "$OUT/$f") bytes, $(capinfos -M -c -T -r "$OUT/$f" | cut -f2) packets"
}

# ---------------------------------------------------------------- clients
# The media is the same as make-captures.sh's publisher: H.264 Constrained
# Baseline 320x240 25 fps GOP 50 300 kbit/s + AAC-LC 44.1 kHz stereo 64 kbit/s.
publish() { # URL SECONDS
    timeout -k 5 $(($2 + 30)) ffmpeg -hide_banner -nostdin -loglevel error -re \
        -t "$2" -f lavfi -i testsrc2=size=320x240:rate=25 \
        -t "$2" -f lavfi -i sine=frequency=440:sample_rate=44100 -map 0:v -map 1:a \
        -c:v libx264 -preset ultrafast -tune zerolatency -profile:v baseline -pix_fmt yuv420p \
        -g 50 -b:v 300k -maxrate 300k -bufsize 300k -threads 1 -c:a aac -ar 44100 -ac 2 -b:a 64k \
        -flags +bitexact -fflags +bitexact -f flv "$1"
}
feed() { publish "rtmp://$FEED/live/$KEY" "$1"; } # uncaptured publisher

c_publish() { # ffmpeg publishes over RTMPT, one keep-alive connection
    cap_start rtmpt-publish.pcap
    publish "rtmpt://$GW/live/$KEY" 3
    cap_stop
    finish publish
}

c_play() { # ffmpeg plays over RTMPT (idle polling) while a feed publishes
    cap_start rtmpt-play.pcap
    feed 7 & track $!
    local pub=$!
    sleep 1
    timeout -k 5 40 ffmpeg -hide_banner -nostdin -loglevel error -rtmp_live live -rw_timeout 5000000 \
        -i "rtmpt://$GW/live/$STREAM" -t 2 -map 0 -c copy -f null -
    wait $pub
    cap_stop
    finish play
}

c_rtmpdump() { # rtmpdump (librtmp) plays over RTMPT, stopped by SIGINT
    cap_start rtmpt-rtmpdump.pcap
    feed 7 & track $!
    local pub=$! rc=0
    sleep 1
    timeout -k 5 -s INT 4 rtmpdump -q -v -r "rtmpt://$GW/live/$STREAM" -o "$WORK/rtmpdump.flv" || rc=$?
    [[ $rc == 0 || $rc == 124 || $rc == 2 ]] || die "rtmpdump exited $rc"
    wait $pub
    cap_stop
    finish rtmpdump
}

c_gst() { # GStreamer rtmpsink (librtmp) publishes over RTMPT: pipelined /send
    timeout -k 5 60 ffmpeg -hide_banner -nostdin -loglevel error -y \
        -t 3 -f lavfi -i testsrc2=size=320x240:rate=25 -t 3 -f lavfi -i sine=frequency=440:sample_rate=44100 \
        -map 0:v -map 1:a -c:v libx264 -preset ultrafast -tune zerolatency -profile:v baseline -pix_fmt yuv420p \
        -g 50 -b:v 300k -maxrate 300k -bufsize 300k -threads 1 -c:a aac -ar 44100 -ac 2 -b:a 64k \
        -flags +bitexact -fflags +bitexact -f flv "$WORK/gst-src.flv"
    cap_start rtmpt-gst.pcap
    timeout -k 5 60 gst-launch-1.0 -q filesrc location="$WORK/gst-src.flv" ! flvdemux name=d \
        d.video ! queue ! h264parse ! flvmux name=m streamable=true ! \
        rtmpsink location="rtmpt://$GW/live/$KEY live=1" d.audio ! queue ! aacparse ! m.
    cap_stop
    finish gst
}

c_proxy() { # ffmpeg publishes through nginx proxy_pass (HTTP/1.0 upstream):
    # the capture (gateway side) has one TCP connection per RTMPT request.
    cap_start rtmpt-proxy.pcap
    publish "rtmpt://$PROXY/live/$KEY" 4
    cap_stop
    finish proxy
}

c_drop() { # derived: rtmpt-proxy.pcap without the packet of /send seq 10
    [[ -e $OUT/rtmpt-proxy.pcap ]] || c_proxy
    python3 "$HERE/rtmpt-drop.py" "$OUT/rtmpt-proxy.pcap" "$OUT/rtmpt-drop.pcap" send 10
    python3 "$HERE/tshark-refs.py" "$OUT/rtmpt-drop.pcap" "${DECODE[@]}"
}

ALL=(publish play rtmpdump gst proxy drop)
((${#SELECTED[@]})) || SELECTED=("${ALL[@]}")
for c in "${SELECTED[@]}"; do
    declare -F "c_$c" >/dev/null || die "no capture named $c (known: ${ALL[*]})"
    log "rtmpt-$c"
    "c_$c"
    sleep 2 # the gateway closes sessions left without /close after 1.5 s
done
cp "$WORK/gateway.log" "$WORK/gateway.last.log"
log "done"
