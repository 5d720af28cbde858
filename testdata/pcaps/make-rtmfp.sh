#!/usr/bin/env bash
# make-rtmfp.sh — (re)make the RTMFP test captures from zenomt/rtmfp-cpp.
#
#   sudo ./make-rtmfp.sh /path/to/rtmfp-cpp [--keep] [NAME...]
#
# NAMEs (default: all) are publish, checksum, play, noanswer, mixed, redirect, and
# mona when MONASERVER2=/path/to/MonaServer2 is set (its MonaBase, MonaCore
# and MonaTiny are built in place with make).
#
# rtmfp-cpp (https://github.com/zenomt/rtmfp-cpp, by RFC 7016's author) is a
# test peer only: nothing of it is committed here. The script copies the
# source into a temp dir, applies rtmfp/rtmfp-cpp-keylog.patch (it appends an
# RTMFP_KEYS line to the file named by $RTMFP_KEYLOG where the session keys
# are derived, RFC 7425 §4.6), builds tcserver, tcpublish and tcconn with g++
# and libssl-dev, and runs them on 127.0.0.1 inside a network namespace of
# its own (the clients bind 0.0.0.0 and [::]), with tcpdump on its loopback.
#
# Output (next to this script):
#   rtmfp-publish.pcap/.keys   tcpublish -> tcserver, HMAC + session sequence numbers (the default)
#   rtmfp-checksum.pcap/.keys  the same with -H -S everywhere: the 16-bit checksum mode
#   rtmfp-play.pcap/.keys      tcpublish -L and tcconn playing the stream, two sessions
#   rtmfp-noanswer.pcap        tcpublish asking for a server fingerprint nobody has:
#                              IHello retransmitted, never answered (a handshake that never completes)
#   rtmfp-mixed.pcap/.keys     tcserver on 127.0.0.1:1935 for RTMP (TCP) and RTMFP (UDP) at once:
#                              tcpublish over RTMFP and ffmpeg over RTMP publishing side by side
#   rtmfp-redirect.pcap/.keys  tcpublish -> static-redirector on :1935 (Responder Redirect to :1936)
#                              -> tcserver on 127.0.0.1:1936
#   rtmfp-mona.pcap            tcpublish -> MonaServer2's MonaTiny: MonaTiny answers IIKeying with an
#                              RIKeying tcpublish cannot accept; IIKeying sent again, then given up
#   rtmfp-media.flv            the FLV published (ffmpeg testsrc + sine, 3 s)
#   rtmfp/*.log                what the peers printed (fingerprints, onStatus)
# Needs root (netns, tcpdump), g++, make, libssl-dev, ffmpeg, tcpdump.
set -euo pipefail

SRC=${1:?usage: make-rtmfp.sh /path/to/rtmfp-cpp [--keep] [NAME...]}
shift
KEEP=
NAMES=()
for a in "$@"; do
    case $a in
        --keep) KEEP=1 ;;
        *) NAMES+=("$a") ;;
    esac
done
if [ ${#NAMES[@]} -eq 0 ]; then
    NAMES=(publish checksum play noanswer mixed redirect)
    [ -z "${MONASERVER2:-}" ] || NAMES+=(mona)
fi
want() { local n; for n in "${NAMES[@]}"; do [ "$n" = "$1" ] && return 0; done; return 1; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=$HERE
LOGS=$HERE/rtmfp
WORK=$(mktemp -d /tmp/make-rtmfp.XXXXXX)
NS=rtmfpcap$$
PIDS=()

cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    ip netns del "$NS" 2>/dev/null || true
    [ -n "$KEEP" ] || rm -rf "$WORK"
}
trap cleanup EXIT

echo "building rtmfp-cpp in $WORK"
cp -r "$SRC" "$WORK/rtmfp-cpp"
(cd "$WORK/rtmfp-cpp" && git apply "$LOGS/rtmfp-cpp-keylog.patch" 2>/dev/null || patch -p1 < "$LOGS/rtmfp-cpp-keylog.patch")
(cd "$WORK/rtmfp-cpp" && make -j"$(nproc)" OPENSSL_DIR=/usr >/dev/null && cd test && make -j"$(nproc)" OPENSSL_DIR=/usr tcserver tcpublish tcconn static-redirector >/dev/null)
B=$WORK/rtmfp-cpp/test

[ -f "$OUT/rtmfp-media.flv" ] || ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc=size=160x120:rate=25 \
    -f lavfi -i sine=frequency=440:sample_rate=44100 -t 3 \
    -c:v libx264 -g 25 -b:v 100k -c:a aac -b:a 32k "$OUT/rtmfp-media.flv"

ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
# (background processes are started with ip netns exec directly, so $! is theirs)
inns() { ip netns exec "$NS" "$@"; }

# capture NAME: start tcpdump for NAME.pcap
capture() {
    ip netns exec "$NS" tcpdump -i lo -U -w "$OUT/$1.pcap" "${2:-udp}" >/dev/null 2>&1 &
    PIDS+=($!)
    TCPDUMP=$!
    sleep 1
}
stop_capture() { sleep 1; kill -INT "$TCPDUMP"; wait "$TCPDUMP" 2>/dev/null || true; }
server() { # server NAME ARGS...
    local name=$1; shift
    RTMFP_KEYLOG=$OUT/$name.keys ip netns exec "$NS" timeout 60 "$B/tcserver" -B 127.0.0.1:1935 -v "$@" >"$LOGS/$name.server.log" 2>&1 &
    SERVER=$!
    PIDS+=($SERVER)
    sleep 0.5
}
stop_server() { kill -INT "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }

for name in "${NAMES[@]}"; do
    rm -f "$OUT/rtmfp-$name.pcap" "$OUT/rtmfp-$name.keys"
done

# 1. publish, default integrity (HMAC + session sequence numbers)
if want publish; then
capture rtmfp-publish
server rtmfp-publish
RTMFP_KEYLOG=$OUT/rtmfp-publish.keys inns timeout 30 "$B/tcpublish" -v rtmfp://127.0.0.1:1935/live "$OUT/rtmfp-media.flv" >"$LOGS/rtmfp-publish.client.log" 2>&1
sleep 1; stop_server; stop_capture

fi

# 2. publish with the checksum (no HMAC, no session sequence numbers)
if want checksum; then
capture rtmfp-checksum
server rtmfp-checksum -H -S
RTMFP_KEYLOG=$OUT/rtmfp-checksum.keys inns timeout 30 "$B/tcpublish" -v -H -S rtmfp://127.0.0.1:1935/live "$OUT/rtmfp-media.flv" >"$LOGS/rtmfp-checksum.client.log" 2>&1
sleep 1; stop_server; stop_capture

fi

# 3. publish (looping) and play
if want play; then
capture rtmfp-play
server rtmfp-play
RTMFP_KEYLOG=$OUT/rtmfp-play.keys ip netns exec "$NS" timeout -s INT 6 "$B/tcpublish" -v -L "rtmfp://127.0.0.1:1935/live#x" "$OUT/rtmfp-media.flv" >"$LOGS/rtmfp-play.publisher.log" 2>&1 &
PUB=$!
PIDS+=($PUB)
sleep 1
RTMFP_KEYLOG=$OUT/rtmfp-play.keys inns timeout -s INT 3 "$B/tcconn" -v "rtmfp://127.0.0.1:1935/live#x" >"$LOGS/rtmfp-play.player.log" 2>&1 || true
wait "$PUB" || true
sleep 1; stop_server; stop_capture

fi

# 4. a handshake that never completes: the publisher requires a server
#    fingerprint the server does not have, so the server never answers IHello
if want noanswer; then
capture rtmfp-noanswer
server rtmfp-noanswer
inns timeout -s INT 4 "$B/tcpublish" -v -f 0000000000000000000000000000000000000000000000000000000000000000 \
    rtmfp://127.0.0.1:1935/live "$OUT/rtmfp-media.flv" >"$LOGS/rtmfp-noanswer.client.log" 2>&1 || true
sleep 1; stop_server; stop_capture
rm -f "$OUT/rtmfp-noanswer.keys"
fi

# 5. one port, two transports: RTMFP (UDP) and RTMP (TCP) to tcserver's
#    127.0.0.1:1935 at the same time
if want mixed; then
capture rtmfp-mixed "udp or tcp"
server rtmfp-mixed -b 127.0.0.1:1935
RTMFP_KEYLOG=$OUT/rtmfp-mixed.keys ip netns exec "$NS" timeout 30 "$B/tcpublish" -v "rtmfp://127.0.0.1:1935/live#x" "$OUT/rtmfp-media.flv" >"$LOGS/rtmfp-mixed.client.log" 2>&1 &
PUB=$!
PIDS+=($PUB)
inns timeout 30 ffmpeg -hide_banner -loglevel error -re -i "$OUT/rtmfp-media.flv" -c copy -f flv rtmp://127.0.0.1:1935/live/y || true
wait "$PUB" || true
sleep 1; stop_server; stop_capture
fi

# 6. a Responder Redirect: rtmfp-cpp's static-redirector sends the
#    initiator from 127.0.0.1:1935 to the server on 127.0.0.1:1936
if want redirect; then
capture rtmfp-redirect
RTMFP_KEYLOG=$OUT/rtmfp-redirect.keys ip netns exec "$NS" timeout 60 "$B/tcserver" -B 127.0.0.1:1936 -v >"$LOGS/rtmfp-redirect.server.log" 2>&1 &
SERVER=$!
PIDS+=($SERVER)
ip netns exec "$NS" timeout 60 "$B/static-redirector" -B 127.0.0.1:1935 127.0.0.1:1936 >/dev/null 2>&1 &
REDIR=$!
PIDS+=($REDIR)
sleep 0.5
RTMFP_KEYLOG=$OUT/rtmfp-redirect.keys inns timeout 30 "$B/tcpublish" -v rtmfp://127.0.0.1:1935/live "$OUT/rtmfp-media.flv" >"$LOGS/rtmfp-redirect.client.log" 2>&1
sleep 1; stop_server; kill -INT "$REDIR" 2>/dev/null || true; wait "$REDIR" 2>/dev/null || true; stop_capture
fi

# 7. MonaServer2's MonaTiny as the server (it binds 0.0.0.0:1935, here only
#    the namespace's loopback): a handshake that never completes
if want mona; then
: "${MONASERVER2:?set MONASERVER2 to the MonaServer2 source for the mona capture}"
(cd "$MONASERVER2/MonaBase" && make -j"$(nproc)" >/dev/null && cd ../MonaCore && make -j"$(nproc)" >/dev/null && cd ../MonaTiny && make -j"$(nproc)" >/dev/null)
capture rtmfp-mona
(cd "$MONASERVER2/MonaTiny" && exec ip netns exec "$NS" timeout 30 ./MonaTiny >/dev/null 2>&1) &  # MonaTiny logs nothing useful to stdout
MONA=$!
PIDS+=($MONA)
sleep 2
inns timeout -s INT 6 "$B/tcpublish" -v rtmfp://127.0.0.1:1935/live "$OUT/rtmfp-media.flv" >"$LOGS/rtmfp-mona.client.log" 2>&1 || true
stop_capture
kill -INT "$MONA" 2>/dev/null || true; wait "$MONA" 2>/dev/null || true
fi

chmod 644 "$OUT"/rtmfp-*.pcap "$OUT"/rtmfp-*.keys 2>/dev/null || true
ls -la "$OUT"/rtmfp-*
