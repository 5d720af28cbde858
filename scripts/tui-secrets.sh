#!/usr/bin/env bash
# tui-secrets.sh — the terminal UI part of the secrets test (issue #14 item 7):
# it opens testdata/pcaps/secrets/secrets.pcap (one stream key planted in every
# place a key can hide, see testdata/pcaps/secrets/make-secrets.sh) in tmux,
# steps through the first 40 timeline rows and checks each screen (timeline,
# detail tree, hex pane) for the key; checks that the spill file is not in
# $TMPDIR while the UI runs (it is unlinked at once) and holds no key (read
# through /proc/PID/fd); closes the terminal (tmux kill-session: SIGHUP) and
# checks that nothing is left in $TMPDIR. With --show-secrets the key must
# show.
#
# Usage: scripts/tui-secrets.sh [BINARY]   (needs tmux; exits 77 without it)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v tmux >/dev/null 2>&1 || { echo "tmux not installed: skipping" >&2; exit 77; }
SECRET=123_AbCdEf9XyZ
CAP=testdata/pcaps/secrets/secrets.pcap

work=$(mktemp -d)
sock="$work/tmux.sock"
tmp="$work/tmp"
mkdir -p "$tmp"
bin=${1:-}
tm() { tmux -S "$sock" "$@"; }
cleanup() { tm kill-server 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
if [[ -z $bin ]]; then
    bin="$work/rtmpscope"
    go build -o "$bin" ./cmd/rtmpscope
fi

screen() { tm capture-pane -p -t ui; }
fail() { echo "FAIL: $*" >&2; echo "--- screen ---" >&2; screen >&2 || true; exit 1; }
wait_for() {
    local text=$1 i=0
    while ((i < 200)); do
        screen 2>/dev/null | grep -qF -- "$text" && return 0
        sleep 0.05
        i=$((i + 1))
    done
    fail "screen never showed: $text"
}

run() { # run [ARGS...]: the UI on the secrets capture in a 160x50 window
    tm -f /dev/null new-session -d -s ui -x 160 -y 50 \
        "TERM=xterm-256color TMPDIR=$tmp $bin $* -r $CAP; sleep 30"
    wait_for "Timeline"
    wait_for "Shared Object"
}

# Step through the rows; every screen is checked.
steps() {
    local i all=""
    for ((i = 0; i < 40; i++)); do
        all+=$(screen)$'\n'
        tm send-keys -t ui Down
        sleep 0.05
    done
    printf '%s' "$all"
}

run
# The hex pane and detail tree of the shared object, the AMF3 data and the
# aggregate are among the first 40 rows.
shots=$(steps)
grep -q "Hex" <<<"$shots" || fail "no hex pane"
if grep -qF -- "$SECRET" <<<"$shots"; then
    grep -F -- "$SECRET" <<<"$shots" | head -3 >&2
    fail "the key is on the screen"
fi
echo "ok: 40 screens without the key"

pid=$(pgrep -f -n -- "$bin .*-r $CAP" || true)
[[ -n $pid ]] || fail "no rtmpscope process"
if compgen -G "$tmp/rtmpscope-tui-*" >/dev/null; then
    fail "a spill file is visible in \$TMPDIR: $(ls "$tmp")"
fi
spill=""
for fd in /proc/"$pid"/fd/*; do
    if [[ $(readlink "$fd") == *rtmpscope-tui-*"(deleted)" ]]; then spill=$fd; fi
done
[[ -n $spill ]] || fail "no (deleted) spill file open"
if grep -qaF -- "$SECRET" "$spill"; then fail "the spill file holds the key"; fi
mode=$(stat -L -c %a "$spill")
[[ $mode == 600 ]] || fail "spill file mode $mode"
echo "ok: spill file unlinked, mode 600, no key"

# Close the terminal: the UI gets SIGHUP.
tm kill-session -t ui
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if [[ -n $(ls -A "$tmp") ]]; then fail "left behind after SIGHUP: $(ls "$tmp")"; fi
echo "ok: nothing left after SIGHUP"

run --show-secrets
shots=$(steps)
grep -qF -- "$SECRET" <<<"$shots" || fail "--show-secrets: the key is not shown"
echo "ok: --show-secrets shows the key"
