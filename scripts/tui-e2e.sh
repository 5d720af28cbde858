#!/usr/bin/env bash
# tui-e2e.sh drives the terminal UI for real in tmux: it builds rtmpscope,
# opens publish.pcap, selects the publish command, expands its detail tree,
# filters to video keyframes, opens help and quits, checking the screen with
# capture-pane after each step. With testdata/pcaps/large/million.pcap present
# it also measures the time to the first frame on a million messages.
#
# Usage: scripts/tui-e2e.sh [--perf]   (needs tmux; exits 77 when it is missing)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v tmux >/dev/null 2>&1 || { echo "tmux not installed: skipping" >&2; exit 77; }

work=$(mktemp -d)
sock="$work/tmux.sock"
bin="$work/rtmpscope"
tm() { tmux -S "$sock" "$@"; }
cleanup() { tm kill-server 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
go build -o "$bin" ./cmd/rtmpscope

screen() { tm capture-pane -p -t ui; }
fail() { echo "FAIL: $*" >&2; echo "--- screen ---" >&2; screen >&2 || true; exit 1; }

# wait_for TEXT [SECONDS]: poll the screen until it shows TEXT.
wait_for() {
	local text=$1 limit=${2:-10} i=0
	while ((i < limit * 20)); do
		if screen 2>/dev/null | grep -qF -- "$text"; then return 0; fi
		sleep 0.05
		i=$((i + 1))
	done
	fail "screen never showed: $text"
}

start() { # start FILE: run the UI on FILE in a 120x40 window
	tm -f /dev/null new-session -d -s ui -x 120 -y 40 \
		"TERM=xterm-256color $bin -r $1; echo EXITED \$?; sleep 30"
}

start testdata/pcaps/publish.pcap
wait_for "Timeline"
wait_for "connect#1"
echo "ok: first screen"

# Select the publish command with a display filter, then its detail.
tm send-keys -t ui F
wait_for "filter:"
tm send-keys -t ui -l 'command.name == "publish"'
tm send-keys -t ui Enter
wait_for 'Timeline 1/1 of'
screen | grep -q 'publish#' || fail "publish command not listed"
echo "ok: publish command selected"

# Detail pane: expand every node the cursor passes (Enter expands).
tm send-keys -t ui Tab
for _ in 1 2 3 4 5 6; do tm send-keys -t ui Enter j; done
wait_for "publish"
screen | grep -qiE 'live|Command' || fail "detail tree not shown"
echo "ok: detail expanded"

# Back to the timeline; filter to video keyframes.
tm send-keys -t ui Escape
sleep 0.3 # a key right after ESC would read as alt+key
tm send-keys -t ui BTab
tm send-keys -t ui F
wait_for "filter:"
tm send-keys -t ui C-u
tm send-keys -t ui -l 'video.keyframe'
tm send-keys -t ui Enter
wait_for '· video.keyframe'
screen | grep -q 'Video' || fail "no video rows after filtering to keyframes"
echo "ok: filtered to video.keyframe"

# A broken filter shows a caret under the bar and keeps editing.
tm send-keys -t ui F C-u
tm send-keys -t ui -l 'video.keyframe &&'
tm send-keys -t ui Enter
wait_for '^'
tm send-keys -t ui Escape
sleep 0.3 # a key right after ESC would read as alt+key
echo "ok: filter error shown"

tm send-keys -t ui '?'
wait_for "rtmpscope keys"
echo "ok: help"
tm send-keys -t ui q
wait_for "EXITED 0"
echo "ok: quit"
tm kill-session -t ui

million=testdata/pcaps/large/million.pcap
if [[ "${1:-}" == --perf && -f $million ]]; then
	t0=$(date +%s.%N)
	tm -f /dev/null new-session -d -s ui -x 160 -y 48 \
		"TERM=xterm-256color /usr/bin/time -v -o $work/time.txt $bin -r $million; echo EXITED \$?; sleep 30"
	wait_for "connect#1" 60
	t1=$(date +%s.%N)
	echo "perf: time to first frame on $million: $(echo "$t1 - $t0" | bc) s"
	# Wait for the whole capture to load (the progress bar goes away).
	for _ in $(seq 6000); do screen | grep -q 'loading ' || break; sleep 0.1; done
	t2=$(date +%s.%N)
	echo "perf: fully loaded after $(echo "$t2 - $t0" | bc) s: $(screen | tail -1)"
	t3=$(date +%s.%N)
	for _ in $(seq 50); do tm send-keys -t ui NPage; done
	tm send-keys -t ui G
	wait_for "Timeline" 10
	t4=$(date +%s.%N)
	echo "perf: 50 page-downs and G: $(echo "$t4 - $t3" | bc) s"
	tm send-keys -t ui q
	wait_for "EXITED" 120
	grep -E 'Maximum resident|Elapsed' "$work/time.txt" | sed 's/^\s*/perf: /'
fi
echo PASS
