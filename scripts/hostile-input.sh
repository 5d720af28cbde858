#!/usr/bin/env bash
# hostile-input.sh — run every hostile case of issue #14 through every output
# mode and print peak memory, time and exit code as a table.
#
#   scripts/hostile-input.sh [-b BINARY] [-k] [-o TABLE.md] [CASE...]
#
#   -b BINARY   the rtmpscope to test (default: built from this tree into the work dir)
#   -k          keep the work dir (derived captures, outputs)
#   -o FILE     also write the table to FILE (Markdown)
#   CASE...     only these cases (names from the table below)
#
# Each case runs in each mode: text (default output), -V, -T ndjson, conns,
# stats, extract -o DIR; output goes to /dev/null (extract to a temp dir).
# /usr/bin/time (GNU time, Debian package `time`) measures peak RSS and wall
# time. A row FAILs when
#   - peak RSS reaches 100 MB on an input of at most 100 MB;
#   - it takes more than 5x the time of a clean capture of the same size in the
#     same mode (the clean capture is the committed one of nearest size, its
#     time scaled by size; times under 0.2 s count as 0.2 s, below which
#     start-up and noise dominate: the table shows the raw ratio too);
#   - it is killed (a signal), times out (300 s), or exits 2 (usage).
# Exit 1 (capture could not be read completely) is expected of malformed files
# and does not fail a row. The script exits 1 when any row FAILs.
#
# Needs Go (to build and to derive the cases that are not committed), GNU time.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
P=$ROOT/testdata/pcaps

# ---------------------------------------------------------------- the cases
# One line per case: NAME | INPUT | MAKE | FLAGS
#   INPUT  the capture(s) to read (relative to testdata/pcaps, or $W/... for a
#          capture MAKE writes into the work dir $W); a directory is a rotated set
#   MAKE   a command that makes INPUT (run from the repository root, with $W
#          set), or - when INPUT is committed
#   FLAGS  extra rtmpscope flags, or -
# Append your cases here (derive them from real captures with a committed
# program; see testdata/pcaps/*/ for the scripts).
CASES='
# capture files (#14 item 6; make-malformed.py)
pcapng-len8        | wild/malformed/pcapng-len8.pcapng                | - | -
pcapng-len1001     | wild/malformed/pcapng-len1001.pcapng             | - | -
pcapng-trailer     | wild/malformed/pcapng-trailer.pcapng             | - | -
pcap-snap-ffffffff | wild/malformed/pcap-snaplen-ffffffff.pcap        | - | -
pcap-badrec        | wild/malformed/pcap-snaplen-ffffffff-badrec.pcap | - | -
# rotated captures (#14 item 3; make-rotated.sh, make-vxlan.sh)
rotated-multi      | wild/rotated/multi                               | - | -
rotated-dumpcap    | wild/rotated/dumpcap                             | - | -
# link-layer tunnels (#14 item 2; make-vxlan.sh, derive-tunnels.sh)
vxlan              | wild/vxlan.pcap                                  | - | -
gtpu               | wild/tunnels/gtpu.pcap                           | - | -
pppoe              | wild/tunnels/pppoe.pcap                          | - | -
gre                | wild/tunnels/gre.pcap                            | - | -
erspan2            | wild/tunnels/erspan2.pcap                        | - | -
erspan3            | wild/tunnels/erspan3.pcap                        | - | -
mpls               | wild/tunnels/mpls.pcap                           | - | -
geneve             | wild/tunnels/geneve.pcap                         | - | -
qinq               | wild/tunnels/qinq.pcap                           | - | -
rtmfp-gtpu         | wild/tunnels/rtmfp-gtpu.pcap                     | - | -
# RTMP (#14 items 4, 5; testdata/pcaps/hostile/derive.go)
implausible        | $W/implausible.pcap | go run testdata/pcaps/hostile/derive.go -case implausible testdata/pcaps/publish.pcap $W/implausible.pcap | -
names              | $W/names.pcap       | go run testdata/pcaps/hostile/derive.go -case names testdata/pcaps/publish.pcap $W/names.pcap             | -
budget             | $W/budget.pcap      | go run testdata/pcaps/hostile/derive.go -case budget testdata/pcaps/publish.pcap $W/budget.pcap           | -
streams            | $W/streams.pcap     | go run testdata/pcaps/hostile/derive.go -case streams testdata/pcaps/publish.pcap $W/streams.pcap         | -
# TCP as it really arrives (#14 item 1; testdata/pcaps/wild/derive-tcp)
tcp-rst            | $W/tcp-rst.pcap       | go run ./testdata/pcaps/wild/derive-tcp -case rst testdata/pcaps/publish.pcap $W/tcp-rst.pcap             | -
tcp-seq            | $W/tcp-seq.pcap       | go run ./testdata/pcaps/wild/derive-tcp -case seq testdata/pcaps/publish.pcap $W/tcp-seq.pcap             | -
tcp-conflict       | $W/tcp-conflict.pcap  | go run ./testdata/pcaps/wild/derive-tcp -case conflict testdata/pcaps/publish.pcap $W/tcp-conflict.pcap   | -
tcp-strayport      | $W/tcp-strayport.pcap | go run ./testdata/pcaps/wild/derive-tcp -case strayport testdata/pcaps/publish.pcap $W/tcp-strayport.pcap | -
# secrets (#14 item 7; testdata/pcaps/secrets/make-secrets.sh)
secrets            | secrets/secrets.pcap                             | - | -
secrets-real       | secrets/secrets-real.pcap                        | - | -
'

# Clean captures of known size, to time each mode against.
CLEAN=(publish.pcap multi.pcap)
[[ -f $P/large/large-100M.pcap ]] && CLEAN+=(large/large-100M.pcap)

MODES=(text -V ndjson conns stats extract)

BIN= KEEP= TABLE_OUT=
ONLY=()
while (($#)); do
    case $1 in
        -b) BIN=$2; shift 2 ;;
        -k) KEEP=1; shift ;;
        -o) TABLE_OUT=$2; shift 2 ;;
        -h | --help) sed -n '2,30p' "$0"; exit 0 ;;
        -*) echo "hostile-input: unknown option $1" >&2; exit 2 ;;
        *) ONLY+=("$1"); shift ;;
    esac
done
[[ -x /usr/bin/time ]] || { echo "hostile-input: needs GNU time (apt-get install time)" >&2; exit 2; }

W=$(mktemp -d /tmp/hostile-input.XXXXXX)
export W
cleanup() { [[ -n $KEEP ]] && echo "work dir kept: $W" >&2 || rm -rf "$W"; }
trap cleanup EXIT
if [[ -z $BIN ]]; then
    (cd "$ROOT" && go build -o "$W/rtmpscope" ./cmd/rtmpscope)
    BIN=$W/rtmpscope
fi

# run MODE INPUT FLAGS: prints "rss_kb seconds exit"
run() {
    local mode=$1 input=$2 flags=$3 args=() in=() f
    for f in $input; do in+=(-r "$f"); done
    [[ $flags == - ]] && flags=
    case $mode in
        text) args=("${in[@]}") ;;
        -V) args=("${in[@]}" -V) ;;
        ndjson) args=("${in[@]}" -T ndjson) ;;
        conns) args=(conns "${in[@]}") ;;
        stats) args=(stats "${in[@]}") ;;
        extract) rm -rf "$W/extract"; args=(extract "${in[@]}" -o "$W/extract") ;;
    esac
    # shellcheck disable=SC2086
    /usr/bin/time -f '%M %e %x' -o "$W/time" timeout -k 5 300 "$BIN" "${args[@]}" $flags >/dev/null 2>"$W/stderr" || true
    tail -1 "$W/time" | awk '{ if ($1 ~ /^[0-9]+$/) print; else print 0, 0, 255 }'
}

size_of() { # INPUT: total bytes
    local f total=0
    for f in $1; do
        if [[ -d $f ]]; then
            total=$((total + $(find "$f" -maxdepth 1 -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')))
        else
            total=$((total + $(stat -c %s "$f")))
        fi
    done
    echo "$total"
}

# The clean baseline: seconds per byte of each clean capture in each mode.
declare -A CLEAN_SIZE CLEAN_TIME
for c in "${CLEAN[@]}"; do
    CLEAN_SIZE[$c]=$(size_of "$P/$c")
    for m in "${MODES[@]}"; do
        read -r _ t _ < <(run "$m" "$P/$c" -)
        CLEAN_TIME[$c/$m]=$t
    done
done

# ref_time MODE SIZE: the clean time of the nearest-size clean capture, scaled
ref_time() {
    local m=$1 s=$2 best= bd= c d
    for c in "${CLEAN[@]}"; do
        d=$(awk -v a="$s" -v b="${CLEAN_SIZE[$c]}" 'BEGIN { r = a / b; if (r < 1) r = 1 / r; print r }')
        if [[ -z $best ]] || awk -v x="$d" -v y="$bd" 'BEGIN { exit !(x < y) }'; then best=$c bd=$d; fi
    done
    awk -v t="${CLEAN_TIME[$best/$m]}" -v s="$s" -v cs="${CLEAN_SIZE[$best]}" 'BEGIN { printf "%.3f", t * s / cs }'
}

fail=0
rows=()
rows+=("| case | mode | input MB | peak RSS MB | time s | clean s | x clean (raw) | exit | verdict |")
rows+=("|---|---|---:|---:|---:|---:|---:|---:|---|")
printf '%-18s %-8s %9s %11s %8s %8s %7s %6s %4s  %s\n' case mode input_MB peak_RSS_MB time_s clean_s x_clean raw exit verdict
while IFS='|' read -r name input make flags; do
    name=$(echo "$name" | xargs)
    [[ -z $name || $name == \#* ]] && continue
    if ((${#ONLY[@]})) && [[ ! " ${ONLY[*]} " == *" $name "* ]]; then continue; fi
    input=$(echo "$input" | xargs)
    make=$(echo "$make" | sed 's/^ *//; s/ *$//')
    flags=$(echo "$flags" | xargs)
    input=${input//\$W/$W}
    [[ $input == /* ]] || input=$P/$input
    if [[ $make != - ]]; then
        make=${make//\$W/$W}
        if ! (cd "$ROOT" && eval "$make") >"$W/make.log" 2>&1; then
            echo "$name: making it failed: $(tail -3 "$W/make.log")" >&2
            rows+=("| $name | - | - | - | - | - | - | - | FAIL: could not make it |")
            fail=1
            continue
        fi
    fi
    if [[ ! -e ${input%% *} ]]; then
        echo "$name: $input missing" >&2
        rows+=("| $name | - | - | - | - | - | - | - | FAIL: input missing |")
        fail=1
        continue
    fi
    size=$(size_of "$input")
    mb=$(awk -v s="$size" 'BEGIN { printf "%.2f", s / 1e6 }')
    for m in "${MODES[@]}"; do
        read -r rss t code < <(run "$m" "$input" "$flags")
        ref=$(ref_time "$m" "$size")
        rssmb=$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')
        ratio=$(awk -v t="$t" -v r="$ref" 'BEGIN { if (t < 0.2) t = 0.2; if (r < 0.2) r = 0.2; printf "%.1f", t / r }')
        raw=$(awk -v t="$t" -v r="$ref" 'BEGIN { if (r < 0.001) r = 0.001; printf "%.1f", t / r }')
        verdict=ok
        if awk -v k="$rss" -v s="$size" 'BEGIN { exit !(k >= 100 * 1024 && s <= 100e6) }'; then verdict="FAIL: RSS"; fi
        if awk -v x="$ratio" 'BEGIN { exit !(x > 5) }'; then verdict="FAIL: slow"; fi
        if ((code >= 124 || code == 2)); then verdict="FAIL: exit $code"; fi
        [[ $verdict == ok ]] || fail=1
        printf '%-18s %-8s %9s %11s %8s %8s %7s %6s %4s  %s\n' "$name" "$m" "$mb" "$rssmb" "$t" "$ref" "$ratio" "$raw" "$code" "$verdict"
        rows+=("| $name | $m | $mb | $rssmb | $t | $ref | $ratio ($raw) | $code | $verdict |")
        if [[ $verdict != ok ]]; then sed 's/^/    /' "$W/stderr" | tail -3 >&2; fi
    done
done <<<"$CASES"

if [[ -n $TABLE_OUT ]]; then
    {
        echo "Clean baselines (s): $(for c in "${CLEAN[@]}"; do printf '%s ' "$c:"; for m in "${MODES[@]}"; do printf '%s=%s ' "$m" "${CLEAN_TIME[$c/$m]}"; done; done)"
        echo
        printf '%s\n' "${rows[@]}"
    } >"$TABLE_OUT"
fi
exit $fail
