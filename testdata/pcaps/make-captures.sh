#!/usr/bin/env bash
# make-captures.sh — (re)make rtmpscope's real RTMP test captures and tshark's
# reference output for each of them. See README.md in this folder.
#
#   sudo ./make-captures.sh              all default captures (committed)
#   sudo ./make-captures.sh publish play only the named captures (+ captures.tsv)
#   sudo ./make-captures.sh --large      large/large-100M.pcap, large/large-1G.pcap
#   sudo ./make-captures.sh --million    large/million.pcap (>= 1,000,000 messages)
#   --keep                               keep the temp work dir (logs) for debugging
#
# Everything runs on loopback: a private nginx with the RTMP module (config from
# nginx-rtmp.conf.in, rendered into a temp dir; never the system nginx service),
# ffmpeg/rtmpdump as clients, tcpdump/dumpcap capturing. Every process the script
# starts is bounded by `timeout` and is stopped on exit, error or Ctrl-C.
# Needs root (packet capture). Debian 12 packages.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=$HERE
LARGE_OUT=$HERE/large

# A publish name that looks like a real secret stream key (publish names and
# tcUrl tokens are redacted by rtmpscope by default; the tests check that).
STREAM=live_8f3a2c1d9e7b4a06
KEY="$STREAM?token=s3cr3t-5d41402abc4b2a76"

MODE=default
KEEP=
SELECTED=()
for arg in "$@"; do
    case $arg in
        --large) MODE=large ;;
        --million) MODE=million ;;
        --keep) KEEP=1 ;;
        -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
        -*) echo "unknown option $arg" >&2; exit 2 ;;
        *) SELECTED+=("$arg") ;;
    esac
done

log() { printf '== %s\n' "$*" >&2; }
die() { printf 'make-captures: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) == 0 ]] || die "run as root (packet capture and apt-get need it)"

# ---------------------------------------------------------------- tools
ensure_tools() {
    local missing=()
    command -v ffmpeg >/dev/null || missing+=(ffmpeg)
    command -v nginx >/dev/null || missing+=(nginx-light)
    [[ -e /usr/lib/nginx/modules/ngx_rtmp_module.so ]] || missing+=(libnginx-mod-rtmp)
    command -v rtmpdump >/dev/null || missing+=(rtmpdump)
    command -v tcpdump >/dev/null || missing+=(tcpdump)
    command -v tshark >/dev/null || missing+=(tshark)
    command -v dumpcap >/dev/null || missing+=(wireshark-common)
    command -v capinfos >/dev/null || missing+=(wireshark-common)
    command -v python3 >/dev/null || missing+=(python3)
    command -v ss >/dev/null || missing+=(iproute2)
    if ((${#missing[@]})); then
        log "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
}
ensure_tools

WORK=$(mktemp -d /tmp/rtmpscope-captures.XXXXXX)
chmod 755 "$WORK"
# Every background process is recorded in $WORK/pids (also those started by
# the subshell each capture runs in), newest last, so cleanup can stop them all.
: >"$WORK/pids"

stop_pids() { # PID...: TERM in reverse order, wait up to 10 s, then KILL
    local i pid n
    for ((i = $# ; i >= 1; i--)); do
        kill -TERM "${!i}" 2>/dev/null || true
    done
    for ((n = 0; n < 100; n++)); do
        for pid in "$@"; do
            kill -0 "$pid" 2>/dev/null && continue 2
        done
        break
    done
    for pid in "$@"; do
        kill -0 "$pid" 2>/dev/null || continue
        sleep 0.1
        kill -KILL "$pid" 2>/dev/null || true
    done
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    mapfile -t pids <"$WORK/pids"
    ((${#pids[@]} == 0)) || stop_pids "${pids[@]}"
    wait 2>/dev/null || true
    if [[ -n $KEEP ]]; then
        log "work dir kept: $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Remember a background process so cleanup can stop it.
track() { echo "$1" >>"$WORK/pids"; }

wait_for() { # FILE PATTERN: wait until FILE contains PATTERN (max 10 s)
    local i
    for ((i = 0; i < 100; i++)); do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    cat "$1" >&2 || true
    die "timed out waiting for '$2' in $1"
}

# ---------------------------------------------------------------- nginx
NGINX_PORTS=(127.0.0.1:1935 127.0.0.1:1936 '[::1]:1935' 127.0.0.1:19999 127.0.0.2:1935 127.0.0.3:1935 127.0.0.4:1935 127.0.0.7:1935)

start_nginx() {
    local p
    for p in "${NGINX_PORTS[@]}"; do
        if ss -Hltn "sport = :${p##*:}" | grep -qF -- "$p"; then
            die "$p is already in use (is another nginx-rtmp running?)"
        fi
    done
    sed "s#@WORKDIR@#$WORK#g" "$HERE/nginx-rtmp.conf.in" >"$WORK/nginx.conf"
    nginx -t -q -c "$WORK/nginx.conf" -p "$WORK/" -e "$WORK/nginx-error.log"
    timeout -k 5 7200 nginx -c "$WORK/nginx.conf" -p "$WORK/" -e "$WORK/nginx-error.log" &
    track $!
    local i
    for ((i = 0; i < 100; i++)); do
        ss -Hltn | grep -qF '127.0.0.4:1935' && return 0
        sleep 0.1
    done
    die "nginx did not start; see $WORK/nginx-error.log"
}

# ---------------------------------------------------------------- capture
CAP_PID=
cap_start() { # FILE FILTER [INTERFACE]: tcpdump, classic pcap, full snaplen
    local file=$1 filter=$2 iface=${3:-lo} bufkib=${CAP_BUFFER_KIB:-32768}
    rm -f "$WORK/$file"
    : >"$WORK/$file.log"
    timeout -k 5 3600 tcpdump -i "$iface" -s 0 -U --immediate-mode -B "$bufkib" -Z root \
        -w "$WORK/$file" "$filter" 2>"$WORK/$file.log" &
    CAP_PID=$!
    track $CAP_PID
    wait_for "$WORK/$file.log" 'listening on'
}

ng_start() { # FILE FILTER IFACE...: dumpcap, pcapng
    local file=$1 filter=$2
    shift 2
    local args=(-q -f "$filter") i
    for i in "$@"; do args+=(-i "$i"); done
    rm -f "$WORK/$file"
    : >"$WORK/$file.log"
    timeout -k 5 3600 dumpcap "${args[@]}" -w "$WORK/$file" 2>"$WORK/$file.log" &
    CAP_PID=$!
    track $CAP_PID
    # dumpcap -q prints nothing when it is ready; wait for the file header.
    local n
    for ((n = 0; n < 100; n++)); do
        [[ -s $WORK/$file ]] && { sleep 0.3; return 0; }
        sleep 0.1
    done
    cat "$WORK/$file.log" >&2
    die "dumpcap did not start"
}

cap_stop() { # PID: let the last packets arrive, then stop the capture
    sleep 1
    kill -INT "$1" 2>/dev/null || true
    wait "$1" || true
}

# ---------------------------------------------------------------- clients
# publish URL SECONDS [extra ffmpeg output options]
# The duration limits the inputs (not the output), so output timestamps may
# be shifted or jump (extts) without cutting the stream short.
# Video: testsrc2 320x240, libx264 ultrafast/zerolatency, 1 thread, bitexact.
# Audio: sine tone, AAC-LC. Settings can be changed per capture with the
# environment: FPS (25), VPROF (baseline), GOP (50 frames), VBR (300k),
# AR (44100), AC (2), ABR (64k), FREQ (440).
publish() {
    local url=$1 dur=$2
    shift 2
    local fps=${FPS:-25} vprof=${VPROF:-baseline} gop=${GOP:-50} vbr=${VBR:-300k}
    local ar=${AR:-44100} ac=${AC:-2} abr=${ABR:-64k} freq=${FREQ:-440}
    local re=-re # NORE=1: as fast as ffmpeg encodes (fastpublish)
    [[ -z ${NORE:-} ]] || re=-nostats
    timeout -k 5 $((${dur%.*} + 30)) ffmpeg -hide_banner -nostdin -loglevel error $re \
        -t "$dur" -f lavfi -i "testsrc2=size=320x240:rate=$fps" \
        -t "$dur" -f lavfi -i "sine=frequency=$freq:sample_rate=$ar" \
        -map 0:v -map 1:a \
        -c:v libx264 -preset ultrafast -tune zerolatency -profile:v "$vprof" \
        -pix_fmt yuv420p -g "$gop" -b:v "$vbr" -maxrate "$vbr" -bufsize "$vbr" -threads 1 \
        -c:a aac -ar "$ar" -ac "$ac" -b:a "$abr" \
        -flags +bitexact -fflags +bitexact "$@" -f flv "$url"
}

# play URL SECONDS OUTPUT: ffmpeg as an RTMP player.
# OUTPUT "-": decode nothing (-f null), stop after SECONDS of media (-t).
# nginx starts a player at the next keyframe (wait_key), up to one GOP (2 s)
# after it joins: publishers run long enough for that.
# OUTPUT file: stream copy to FLV with -copyts, so every FLV tag keeps its RTMP
# timestamp; -t would then count from timestamp 0, so the player is stopped
# with SIGINT after SECONDS instead (ffmpeg then closes the stream and the
# file properly; timeout exits 124).
play() {
    local url=$1 dur=$2 out=$3 rc=0
    if [[ $out == - ]]; then
        timeout -k 5 $((${dur%.*} + 30)) ffmpeg -hide_banner -nostdin -loglevel error \
            -rtmp_live live -rw_timeout 5000000 -i "$url" -t "$dur" -map 0 -c copy -f null -
        return
    fi
    timeout -k 5 -s INT "$dur" ffmpeg -hide_banner -nostdin -loglevel error -y \
        -rtmp_live live -rw_timeout 5000000 -i "$url" -map 0 -c copy -copyts -fflags +bitexact -f flv "$out" || rc=$?
    [[ $rc == 0 || $rc == 124 || $rc == 255 ]] || { log "ffmpeg player exited $rc"; return 1; }
}

# rtmpdump_play URL SECONDS OUTPUT: rtmpdump -v (live), stopped with SIGINT
rtmpdump_play() {
    local url=$1 dur=$2 out=$3 rc=0
    timeout -k 5 -s INT "$dur" rtmpdump -q -v -r "$url" -o "$out" || rc=$?
    # 124: stopped by timeout as planned; 2: incomplete (live) download.
    [[ $rc == 0 || $rc == 124 || $rc == 2 ]] || die "rtmpdump exited $rc"
}

# bg CMD...: run a client in the background and remember it
BG=
bg() { "$@" & BG=$!; track $BG; }

# ---------------------------------------------------------------- references
DECODE_otherport=(-d tcp.port==19999,rtmpt)

# Loopback is shared with other programs on this machine; a capture that holds
# a connection we did not make (or lacks one we made) is thrown away and made
# again (see run_capture).
BAD=
finish() { # NAME.EXT CONNECTIONS: check, copy out of the work dir, make references
    local file=$1 want=$2 name=${1%.*}
    local decode_var="DECODE_${name//-/_}[@]" got
    got=$(tshark -n -r "$WORK/$file" ${!decode_var+"${!decode_var}"} -T fields -e tcp.stream 2>/dev/null | sort -u | grep -c .) || true
    if [[ $got != "$want" ]]; then
        log "$file: $got TCP connections, expected $want; discarding"
        BAD=1
        return 0
    fi
    install -m 644 "$WORK/$file" "$OUT/$file"
    python3 "$HERE/tshark-refs.py" "$OUT/$file" ${!decode_var+"${!decode_var}"}
    log "$file: $(stat -c %s "$OUT/$file") bytes"
}

# ---------------------------------------------------------------- captures
U=rtmp://127.0.0.1

c_publish() {
    cap_start publish.pcap 'host 127.0.0.1 and tcp port 1935'
    publish "$U:1935/live/$KEY" 3
    cap_stop $CAP_PID
    finish publish.pcap 1
}

c_play() {
    # The publisher uses port 1936, the player 1935 of the same nginx server
    # (same application), so the capture holds only the player's connection.
    cap_start play.pcap 'host 127.0.0.1 and tcp port 1935'
    bg publish "$U:1936/live/$KEY" 5
    local pub=$BG
    sleep 1
    play "$U:1935/live/$STREAM" 3 "$WORK/play.ref.flv"
    wait $pub
    cap_stop $CAP_PID
    finish play.pcap 1
    [[ -n $BAD ]] || install -m 644 "$WORK/play.ref.flv" "$OUT/play.ref.flv"
}

c_rtmpdump_play() {
    cap_start rtmpdump-play.pcap 'host 127.0.0.1 and tcp port 1935'
    bg publish "$U:1936/live/$KEY" 5
    local pub=$BG
    sleep 1
    rtmpdump_play "$U:1935/live/$STREAM" 3 "$WORK/rtmpdump-play.flv"
    wait $pub
    cap_stop $CAP_PID
    finish rtmpdump-play.pcap 1
}

c_chunksize() {
    # nginx on 127.0.0.2 sends Set Chunk Size 8000 to both clients; the ffmpeg
    # publisher echoes it (ffmpeg sets its outgoing chunk size to the server's),
    # the ffmpeg player sends none.
    cap_start chunksize.pcap 'host 127.0.0.2 and tcp port 1935'
    bg publish "rtmp://127.0.0.2:1935/live/$KEY" 5
    local pub=$BG
    sleep 1
    play "rtmp://127.0.0.2:1935/live/$STREAM" 2 -
    wait $pub
    cap_stop $CAP_PID
    finish chunksize.pcap 2
}

c_multi() {
    cap_start multi.pcap 'host 127.0.0.1 and tcp port 1935'
    bg publish "$U:1935/live/cam1?token=a1b2c3" 5
    local p1=$BG
    FREQ=880 AR=48000 VPROF=main FPS=20 GOP=40 VBR=250k ABR=96k \
        bg publish "$U:1935/live/cam2?token=d4e5f6" 5 -bf 2
    local p2=$BG
    sleep 1
    play "$U:1935/live/cam1" 2 -
    wait $p1 $p2
    cap_stop $CAP_PID
    finish multi.pcap 3
}

c_midstream() {
    bg publish "$U:1935/live/$KEY" 8
    local pub=$BG
    sleep 3
    cap_start midstream.pcap 'host 127.0.0.1 and tcp port 1935'
    sleep 1.5 # + 1 s in cap_stop: about 2.5 s of the middle of the publish
    cap_stop $CAP_PID
    wait $pub
    finish midstream.pcap 1
}

c_ipv6() {
    cap_start ipv6.pcap 'host ::1 and tcp port 1935'
    FPS=15 GOP=30 VPROF=high AR=48000 publish "rtmp://[::1]:1935/live/$KEY" 3
    cap_stop $CAP_PID
    finish ipv6.pcap 1
}

c_any_sll2() {
    cap_start any-sll2.pcap 'host 127.0.0.1 and tcp port 1935' any
    VPROF=main publish "$U:1935/live/$KEY" 3
    cap_stop $CAP_PID
    finish any-sll2.pcap 1
}

c_publish_ng() {
    ng_start publish-ng.pcapng 'host 127.0.0.1 and tcp port 1935' lo
    publish "$U:1935/live/$KEY" 3
    cap_stop $CAP_PID
    finish publish-ng.pcapng 1
}

c_twoif() {
    ng_start twoif.pcapng 'host 127.0.0.1 and tcp port 1935' lo any
    publish "$U:1935/live/$KEY" 2
    cap_stop $CAP_PID
    finish twoif.pcapng 1
}

c_otherport() {
    cap_start otherport.pcap 'host 127.0.0.1 and tcp port 19999'
    AR=48000 publish "$U:19999/live/$KEY" 3
    cap_stop $CAP_PID
    finish otherport.pcap 1
}

c_extts() {
    # Extended timestamps need a timestamp *field* >= 0xFFFFFF, and after the
    # first message of a chunk stream peers send deltas. So:
    # - -output_ts_offset 16790 s: every timestamp is above 0xFFFFFF ms from the
    #   start, so every fmt-0 header carries an extended timestamp;
    # - at 2 s (a keyframe) the timestamps jump forward by 20000 s, so the next
    #   fmt-1 headers carry a delta >= 0xFFFFFF (extended) on a message that
    #   spans several chunks: the fmt-3 continuation chunks show whether the
    #   sender repeats the extended timestamp.
    # nginx (publish on 127.0.0.3, play on 127.0.0.4) sends chunk_size 1024 and
    # the ffmpeg publisher echoes it. The ffmpeg player joins before the jump,
    # rtmpdump after it.
    cap_start extts.pcap 'host 127.0.0.3 and tcp port 1935'
    local pubcap=$CAP_PID
    cap_start extts-play.pcap 'host 127.0.0.4 and tcp port 1935'
    local playcap=$CAP_PID
    VBR=400k bg publish "rtmp://127.0.0.3:1935/live/$KEY" 6 -output_ts_offset 16790 \
        -vf 'setpts=PTS+gte(T\,2)*20000/TB' -af 'asetpts=PTS+gte(T\,2)*20000/TB'
    local pub=$BG
    sleep 1
    bg play "rtmp://127.0.0.4:1935/live/$STREAM" 3.5 "$WORK/extts-ffmpeg.flv"
    local ply=$BG
    sleep 1.6
    rtmpdump_play "rtmp://127.0.0.4:1935/live/$STREAM" 3 "$WORK/extts-rtmpdump.flv"
    wait $pub $ply
    cap_stop $pubcap
    cap_stop $playcap
    finish extts.pcap 1
    finish extts-play.pcap 2
}

c_ackwin() {
    # nginx on 127.0.0.5/6 announces Window Acknowledgement Size 40000 (its
    # ack_window). The ffmpeg player acknowledges each time its count passes
    # the window; rtmpdump (librtmp) acknowledges at a tenth of it. Both play
    # for 4 s (~200 KB each), so each sends several acknowledgements.
    cap_start ackwin.pcap 'host 127.0.0.5 and tcp port 1935'
    bg publish "rtmp://127.0.0.6:1935/live/$KEY" 8
    local pub=$BG
    sleep 1
    bg play "rtmp://127.0.0.5:1935/live/$STREAM" 4 -
    local ply=$BG
    rtmpdump_play "rtmp://127.0.0.5:1935/live/$STREAM" 4 "$WORK/ackwin-rtmpdump.flv"
    wait $pub $ply
    cap_stop $CAP_PID
    finish ackwin.pcap 2
}

c_reject() {
    # A good publisher on 1936 (not captured) keeps live/busy busy; on 1935:
    # 1. publish to an application that does not exist (nginx drops it),
    # 2. publish live/busy again (onStatus NetStream.Publish.BadName),
    # 3. play strict/missing (idle_streams off: NetStream.Play.StreamNotFound).
    cap_start reject.pcap 'host 127.0.0.1 and tcp port 1935'
    bg publish "$U:1936/live/busy?token=0f9e8d" 5
    local pub=$BG
    sleep 1
    local errs=$WORK/reject-clients.log # the expected client errors
    publish "$U:1935/nosuchapp/$KEY" 1 2>>"$errs" && die "nosuchapp publish succeeded"
    publish "$U:1935/live/busy?token=0f9e8d" 1 2>>"$errs" && die "second publish succeeded"
    play "$U:1935/strict/missing" 1 - 2>>"$errs" && die "play of a missing stream succeeded"
    wait $pub
    cap_stop $CAP_PID
    finish reject.pcap 3
}

c_ertmp() {
    # Enhanced RTMP from gortmplib (ertmp-publisher, its own Go module): a 4 s
    # fragmented MP4 of H.265 (libx265 Main 320x240 25 fps, GOP 50, 2
    # B-frames) + Opus (48 kHz stereo) made by ffmpeg, published in real time
    # to the main nginx server on its own address 127.0.0.7.
    command -v go >/dev/null || die "ertmp needs the Go toolchain (go) to build ertmp-publisher"
    (cd "$HERE/ertmp-publisher" && GOWORK=off timeout -k 5 600 go build -o "$WORK/ertmp-publisher" .)
    timeout -k 5 120 ffmpeg -hide_banner -nostdin -loglevel error -y \
        -t 4 -f lavfi -i testsrc2=size=320x240:rate=25 \
        -t 4 -f lavfi -i sine=frequency=440:sample_rate=48000 \
        -map 0:v -map 1:a \
        -c:v libx265 -preset ultrafast -profile:v main -pix_fmt yuv420p -b:v 300k \
        -x265-params keyint=50:min-keyint=50:scenecut=0:bframes=2:b-adapt=0:frame-threads=1:pools=none:log-level=error \
        -tag:v hvc1 -c:a libopus -ar 48000 -ac 2 -b:a 64k \
        -flags +bitexact -fflags +bitexact \
        -movflags frag_keyframe+empty_moov+default_base_moof+negative_cts_offsets -f mp4 "$WORK/ertmp.mp4"
    cap_start ertmp.pcap 'host 127.0.0.7 and tcp port 1935'
    timeout -k 5 40 "$WORK/ertmp-publisher" "rtmp://127.0.0.7:1935/live/$KEY" "$WORK/ertmp.mp4"
    cap_stop $CAP_PID
    finish ertmp.pcap 1
}

c_aac48mono() {
    # OBS's default audio: AAC-LC 48 kHz mono. The FLV tag header of every
    # AAC message still says 44 kHz stereo (fixed for AAC); only the
    # AudioSpecificConfig tells the truth.
    cap_start aac48mono.pcap 'host 127.0.0.1 and tcp port 1935'
    AR=48000 AC=1 publish "$U:1935/live/$KEY" 2
    cap_stop $CAP_PID
    finish aac48mono.pcap 1
}

c_fastpublish() {
    # ffmpeg without -re: 4 s of media sent as fast as it encodes (well
    # under a second here), so capture time and media time differ widely.
    cap_start fastpublish.pcap 'host 127.0.0.1 and tcp port 1935'
    NORE=1 publish "$U:1935/live/$KEY" 4
    cap_stop $CAP_PID
    finish fastpublish.pcap 1
}

# play_log URL SECONDS LOG: an ffmpeg player that writes one framecrc line
# per received frame (-c copy -copyts: RTMP timestamp, size, adler32 of the
# payload) with the wall-clock time the player got it, for relay.pcap's
# latency figures to be checked against the players' own view.
play_log() {
    local url=$1 dur=$2 log=$3
    # -analyzeduration 0.5 s: ffmpeg would otherwise hold the
    # first seconds of frames while it probes the stream, and log them late.
    { timeout -k 5 -s INT "$dur" ffmpeg -hide_banner -nostdin -loglevel error \
        -analyzeduration 500000 \
        -rtmp_live live -rw_timeout 5000000 -i "$url" -map 0 -c copy -copyts \
        -flush_packets 1 -f framecrc - || true; } |
        python3 -u -c 'import sys, time
for line in sys.stdin: sys.stdout.write("%.6f %s" % (time.time(), line))' >"$log"
}

c_relay() {
    # One ffmpeg publisher and two ffmpeg players of the same stream through
    # nginx-rtmp, all captured (the usual server-side capture). The players
    # join 1 s and 2 s after the publisher and log every frame they get
    # (relay.player1.txt, relay.player2.txt; wall clock = capture clock).
    cap_start relay.pcap 'host 127.0.0.1 and tcp port 1935'
    # nginx starts a player at the next keyframe (every 2 s): the second
    # player waits for the one at 4 s and plays until 6.5 s.
    bg publish "$U:1935/live/$KEY" 7
    local pub=$BG
    sleep 1
    bg play_log "$U:1935/live/$STREAM" 4 "$WORK/relay.player1.txt"
    local p1=$BG
    sleep 1
    play_log "$U:1935/live/$STREAM" 4.5 "$WORK/relay.player2.txt"
    wait $pub $p1
    cap_stop $CAP_PID
    finish relay.pcap 3
    [[ -n $BAD ]] || install -m 644 "$WORK/relay.player1.txt" "$WORK/relay.player2.txt" "$OUT/"
}

c_ertmp_multitrack() {
    # Enhanced RTMP multitrack from gortmplib v0.1.0 (ertmp-publisher): two
    # video tracks (H.265 320x240 25 fps as track 0, H.264 256x144 25 fps
    # as track 1) and two audio tracks (Opus 48 kHz stereo as track 0,
    # AAC-LC 44.1 kHz mono as track 1) from one 3 s fragmented MP4.
    command -v go >/dev/null || die "ertmp-multitrack needs the Go toolchain (go) to build ertmp-publisher"
    (cd "$HERE/ertmp-publisher" && GOWORK=off timeout -k 5 600 go build -o "$WORK/ertmp-publisher" .)
    timeout -k 5 120 ffmpeg -hide_banner -nostdin -loglevel error -y \
        -t 3 -f lavfi -i testsrc2=size=320x240:rate=25 \
        -t 3 -f lavfi -i testsrc=size=256x144:rate=25 \
        -t 3 -f lavfi -i sine=frequency=440:sample_rate=48000 \
        -t 3 -f lavfi -i sine=frequency=880:sample_rate=44100 \
        -map 0:v -map 1:v -map 2:a -map 3:a \
        -c:v:0 libx265 -preset ultrafast -profile:v:0 main -pix_fmt yuv420p -b:v:0 200k \
        -x265-params keyint=50:min-keyint=50:scenecut=0:bframes=0:frame-threads=1:pools=none:log-level=error \
        -tag:v:0 hvc1 \
        -c:v:1 libx264 -preset ultrafast -tune zerolatency -profile:v:1 baseline -g 50 -b:v:1 100k -threads 1 \
        -c:a:0 libopus -ar:a:0 48000 -ac:a:0 2 -b:a:0 64k \
        -c:a:1 aac -ar:a:1 44100 -ac:a:1 1 -b:a:1 48k \
        -flags +bitexact -fflags +bitexact \
        -movflags frag_keyframe+empty_moov+default_base_moof+negative_cts_offsets -f mp4 "$WORK/multitrack.mp4"
    cap_start ertmp-multitrack.pcap 'host 127.0.0.7 and tcp port 1935'
    timeout -k 5 40 "$WORK/ertmp-publisher" "rtmp://127.0.0.7:1935/live/$KEY" "$WORK/multitrack.mp4"
    cap_stop $CAP_PID
    finish ertmp-multitrack.pcap 1
}

c_backwards() {
    # A publisher whose clock steps back: gortmplib (ertmp-publisher -back-at
    # 2s -back 1500ms) sends a 4 s H.264 + AAC clip (legacy FLV messages)
    # with every timestamp from 2 s of media on 1.5 s earlier, so both
    # tracks go backwards once (nginx takes such streams as they come).
    command -v go >/dev/null || die "backwards needs the Go toolchain (go) to build ertmp-publisher"
    (cd "$HERE/ertmp-publisher" && GOWORK=off timeout -k 5 600 go build -o "$WORK/ertmp-publisher" .)
    timeout -k 5 120 ffmpeg -hide_banner -nostdin -loglevel error -y \
        -t 4 -f lavfi -i testsrc2=size=320x240:rate=25 \
        -t 4 -f lavfi -i sine=frequency=440:sample_rate=48000 \
        -map 0:v -map 1:a \
        -c:v libx264 -preset ultrafast -tune zerolatency -profile:v baseline -g 50 -b:v 200k -threads 1 \
        -c:a aac -ar 48000 -ac 2 -b:a 64k \
        -flags +bitexact -fflags +bitexact \
        -movflags frag_keyframe+empty_moov+default_base_moof+negative_cts_offsets -f mp4 "$WORK/backwards.mp4"
    cap_start backwards.pcap 'host 127.0.0.7 and tcp port 1935'
    timeout -k 5 40 "$WORK/ertmp-publisher" -back-at 2s -back 1500ms "rtmp://127.0.0.7:1935/live/$KEY" "$WORK/backwards.mp4"
    cap_stop $CAP_PID
    finish backwards.pcap 1
}

c_nokey() {
    # An ffmpeg publisher whose encoder sends one keyframe (the first frame)
    # and then none for 12 s (GOP longer than the stream): a player that
    # joins late never gets a picture. Small picture and rate keep it small.
    cap_start nokey.pcap 'host 127.0.0.1 and tcp port 1935'
    FPS=10 GOP=100000 VBR=40k ABR=32k AC=1 publish "$U:1935/live/$KEY" 12
    cap_stop $CAP_PID
    finish nokey.pcap 1
}

ALL=(publish play rtmpdump-play chunksize multi midstream ipv6 any-sll2 publish-ng.pcapng twoif otherport extts reject ackwin ertmp aac48mono fastpublish relay ertmp-multitrack nokey backwards)

declare -A DESC=(
    [publish.pcap]="ffmpeg publishes H.264 baseline 320x240 25fps + AAC 44.1k stereo to nginx-rtmp live/<key>?token=, 3 s"
    [play.pcap]="ffmpeg plays live/<key> from nginx for 2.5 s (-c copy -copyts to play.ref.flv) while another ffmpeg publishes via port 1936 (not captured)"
    [rtmpdump-play.pcap]="rtmpdump -v plays live/<key> from nginx for ~3 s while ffmpeg publishes via port 1936 (not captured)"
    [chunksize.pcap]="nginx on 127.0.0.2 sends Set Chunk Size 8000; the ffmpeg publisher echoes 8000, the ffmpeg player sends none; publish + play"
    [multi.pcap]="two ffmpeg publishers (cam1 baseline/44.1k, cam2 main+B-frames 20fps/48k) and one ffmpeg player of cam1, at once"
    [midstream.pcap]="~2.5 s from the middle of an ffmpeg publish: no handshake, connect, chunk size or publish"
    [ipv6.pcap]="ffmpeg publishes to nginx over [::1]:1935, H.264 (-profile:v high; SPS: Constrained Baseline) 15fps + AAC 48k stereo, 3 s"
    [any-sll2.pcap]="tcpdump -i any (LINUX_SLL2) of an ffmpeg publish, H.264 main 25fps + AAC 44.1k, 3 s"
    [publish-ng.pcapng]="dumpcap (pcapng) of an ffmpeg publish, same settings as publish.pcap, 3 s"
    [twoif.pcapng]="dumpcap on lo and any at once (pcapng, 2 interfaces, 2 link types): every packet appears twice; ffmpeg publish 2 s"
    [otherport.pcap]="ffmpeg publishes to nginx on port 19999 (not 1935), AAC 48k, 3 s"
    [extts.pcap]="ffmpeg publishes with timestamps from 16,790,000 ms (all extended) jumping +20000 s at 2 s (extended delta); chunk size 1024, fmt-3 continuations"
    [extts-play.pcap]="ffmpeg (joins before the jump) and rtmpdump (after it) play the extts stream from nginx (chunk_size 1024): nginx's extended timestamps"
    [reject.pcap]="failures: publish to a missing app (dropped), publish of a busy name (Publish.BadName), play of a missing stream (Play.StreamNotFound)"
    [ertmp.pcap]="gortmplib publishes Enhanced RTMP to nginx-rtmp: H.265 hvc1 Main 320x240 25fps (2 B-frames) + Opus 48k stereo, 4 s"
    [aac48mono.pcap]="ffmpeg publishes H.264 baseline 320x240 25fps + AAC-LC 48 kHz mono (the FLV header bits still say 44 kHz stereo), 2 s"
    [fastpublish.pcap]="ffmpeg publishes without -re: 4 s of H.264 + AAC 44.1k stereo sent as fast as it encodes (well under a second)"
    [relay.pcap]="one ffmpeg publisher (7 s) and two ffmpeg players (joining 1 s and 2 s later) of the same stream through nginx-rtmp; the players' frame logs (framecrc + wall clock) are relay.player1.txt and relay.player2.txt"
    [ertmp-multitrack.pcap]="gortmplib publishes Enhanced RTMP multitrack to nginx-rtmp: video H.265 320x240 (track 0) + H.264 256x144 (track 1), audio Opus 48k stereo (track 0) + AAC 44.1k mono (track 1), 25 fps, 3 s"
    [backwards.pcap]="gortmplib (ertmp-publisher -back-at 2s -back 1500ms) publishes H.264 + AAC 48k whose timestamps step 1.5 s back at 2 s of media, 4 s"
    [nokey.pcap]="ffmpeg publishes H.264 10 fps whose only keyframe is the first frame (GOP 100000), 12 s"
    [ackwin.pcap]="rtmpdump and ffmpeg play from nginx with ack_window 40000: acknowledgements every ~4 KB (librtmp, a tenth of the window) and ~20 KB (ffmpeg, half)"
)

linktype_of() { # FILE: DLT name(s) of its interface(s), comma-joined
    capinfos -M "$1" | sed -n 's/.*Encapsulation = .*(\([0-9]*\) - \(.*\))$/\2/p' |
        sed -e 's/^ether$/EN10MB/' -e 's/^linux-sll2$/LINUX_SLL2/' -e 's/^linux-sll$/LINUX_SLL/' |
        paste -sd, -
}

write_index() {
    local f tsv=$OUT/captures.tsv
    {
        printf 'file\tlinktype\tpackets\tconnections\tdescription\n'
        for f in "${!DESC[@]}"; do
            [[ -e $OUT/$f ]] || continue
            local name=${f%.*} decode_var
            decode_var="DECODE_${name//-/_}[@]"
            local packets conns
            packets=$(capinfos -M -c -T -r "$OUT/$f" | cut -f2)
            conns=$(tshark -n -r "$OUT/$f" ${!decode_var+"${!decode_var}"} -T fields -e tcp.stream 2>/dev/null | sort -u | grep -c .)
            printf '%s\t%s\t%s\t%s\t%s\n' "$f" "$(linktype_of "$OUT/$f")" "$packets" "$conns" "${DESC[$f]}"
        done | LC_ALL=C sort
    } >"$tsv.tmp"
    mv "$tsv.tmp" "$tsv"
}

# ---------------------------------------------------------------- large
wait_size() { # FILE BYTES SECONDS: wait until FILE has BYTES or SECONDS pass
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        [[ -e $1 ]] && (($(stat -c %s "$1") >= $2)) && return 0
        sleep 0.1
    done
    log "warning: $1 did not reach $2 bytes in $3 s"
}

m_large() {
    mkdir -p "$LARGE_OUT"
    log "encoding a 10 s 720p clip at ~20 Mbit/s"
    timeout -k 5 600 ffmpeg -hide_banner -nostdin -loglevel error -y \
        -f lavfi -i "testsrc2=size=1280x720:rate=30" \
        -f lavfi -i "sine=frequency=440:sample_rate=48000" -t 10 \
        -vf "noise=alls=30:allf=t" -c:v libx264 -preset ultrafast -tune zerolatency \
        -g 60 -b:v 20M -maxrate 20M -bufsize 20M -threads 2 \
        -c:a aac -ac 2 -b:a 128k -f flv "$WORK/clip.flv"
    local target bytes
    for target in 100M:100000000 1G:1000000000; do
        bytes=${target#*:}
        target=${target%%:*}
        log "large-$target.pcap"
        CAP_BUFFER_KIB=262144 cap_start "large-$target.pcap" 'host 127.0.0.1 and tcp port 1935'
        # 10x real time (~200 Mbit/s): as fast as tcpdump reliably keeps up
        # with here (unthrottled, it dropped packets); the clip loops until
        # the capture is big enough.
        timeout -k 5 900 ffmpeg -hide_banner -nostdin -loglevel error -readrate 10 -stream_loop -1 \
            -i "$WORK/clip.flv" -c copy -f flv "$U:1935/live/$KEY" &
        local pub=$!
        track $pub
        wait_size "$WORK/large-$target.pcap" "$bytes" 900
        kill -INT $pub 2>/dev/null || true
        wait $pub || true
        cap_stop $CAP_PID
        mv "$WORK/large-$target.pcap" "$LARGE_OUT/"
        grep -h 'dropped by kernel' "$WORK/large-$target.pcap.log" >&2 || true
        ls -l "$LARGE_OUT/large-$target.pcap" >&2
    done
}

m_million() {
    mkdir -p "$LARGE_OUT"
    log "encoding a 20 s 32x32 1000 fps clip (20,000 tiny video frames)"
    timeout -k 5 600 ffmpeg -hide_banner -nostdin -loglevel error -y \
        -f lavfi -i "testsrc2=size=32x32:rate=1000" -t 20 \
        -c:v libx264 -preset ultrafast -tune zerolatency -g 1000 -threads 2 \
        -f flv "$WORK/tiny.flv"
    CAP_BUFFER_KIB=262144 cap_start million.pcap 'host 127.0.0.1 and tcp port 1935'
    # 51 passes of 20,000 frames: > 1,000,000 video messages, no -re.
    timeout -k 5 1800 ffmpeg -hide_banner -nostdin -loglevel error -stream_loop 50 \
        -i "$WORK/tiny.flv" -c copy -f flv "$U:1935/live/$KEY"
    cap_stop $CAP_PID
    mv "$WORK/million.pcap" "$LARGE_OUT/"
    grep -h 'dropped by kernel' "$WORK/million.pcap.log" >&2 || true
    ls -l "$LARGE_OUT/million.pcap" >&2
}

# start_capture FUNCTION: run one capture in a background subshell ($SUB) so
# that a client that fails (the machine may be busy; loopback is shared) fails
# only this try. The subshell stops what it started when it ends. It must not
# be started in a tested context (if/&&/||), or bash would ignore set -e in it;
# only the `wait` for it is tested.
start_capture() {
    (
        trap 'exit 143' INT TERM
        trap 'stop_own' EXIT
        first=$(wc -l <"$WORK/pids")
        stop_own() {
            local rc=$? pids
            mapfile -t pids < <(tail -n +$((first + 1)) "$WORK/pids")
            ((${#pids[@]} == 0)) || stop_pids "${pids[@]}"
            exit "$rc"
        }
        BAD=
        "$1"
        [[ -z $BAD ]]
    ) &
    SUB=$!
    track $SUB
}

# ---------------------------------------------------------------- main
start_nginx
case $MODE in
    large) m_large ;;
    million) m_million ;;
    default)
        ((${#SELECTED[@]})) || SELECTED=("${ALL[@]}")
        for c in "${SELECTED[@]}"; do
            case $c in
                publish-ng.pcapng) fn=c_publish_ng ;;
                *) fn=c_${c//-/_} ;;
            esac
            declare -F "$fn" >/dev/null || die "no capture named $c (known: ${ALL[*]})"
            ok=
            for try in 1 2 3; do
                log "$c (try $try)"
                start_capture "$fn"
                wait "$SUB" && { ok=1; break; }
                log "$c: failed, trying again"
            done
            [[ -n $ok ]] || die "$c: no clean capture in 3 tries"
        done
        write_index
        log "done: $(du -sh "$OUT" | cut -f1) in $OUT"
        ;;
esac
