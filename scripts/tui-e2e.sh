#!/usr/bin/env bash
# tui-e2e.sh drives the terminal UI for real in tmux: it builds rtmpscope,
# opens publish.pcap, selects the publish command, expands its detail tree,
# filters to video keyframes, opens help and quits; then goes to a frame
# (:N), searches and steps through the matches with n/N, zooms a pane, opens
# a connection's conversation, jumps between a request and its response,
# shows the streams' charts, and checks that quitting with -w says how many
# packets were written, from a file and live (in a network namespace of its
# own); checking the screen with capture-pane after each step. With testdata/pcaps/large/million.pcap present
# it also measures the time to the first frame on a million messages.
#
# Usage: scripts/tui-e2e.sh [--perf]   (needs tmux; exits 77 when it is missing)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v tmux >/dev/null 2>&1 || { echo "tmux not installed: skipping" >&2; exit 77; }

work=$(mktemp -d)
# Each UI runs under a tmux server of its own: a new session right after
# the last one was killed can race the old server's exit ("server exited
# unexpectedly").
n=0
sock="$work/tmux0.sock"
bin="$work/rtmpscope"
tm() { tmux -S "$sock" "$@"; }
cleanup() {
	for s in "$work"/tmux*.sock; do tmux -S "$s" kill-server 2>/dev/null || true; done
	rm -rf "$work"
}
# fresh: the next UI gets a new tmux server.
fresh() { tm kill-server 2>/dev/null || true; n=$((n + 1)); sock="$work/tmux$n.sock"; }
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

start() { # start FILE [ARGS...]: run the UI on FILE in a 120x40 window
	local f=$1
	shift
	tm -f /dev/null new-session -d -s ui -x 120 -y 40 \
		"TERM=xterm-256color $bin -r $f $*; echo EXITED \$?; sleep 30"
}

# selected: the selected timeline row (the timeline line that capture-pane
# -e shows in reverse video or with a background colour).
selected() { tm capture-pane -p -e -t ui | grep -E $'\e\\[[0-9;]*(7|48;[0-9;]+)m' | sed -E 's/\x1b\[[0-9;]*m//g' | grep -E '^ *[0-9]* +[0-9]+\.[0-9]{4,6} c[0-9]+ ' | head -1; }

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
fresh

# Go to a frame, search, zoom, the conversation, request ↔ response, charts;
# with -w, so quitting says how many packets were written.
start testdata/pcaps/publish.pcap -w "$work/out.pcapng"
wait_for "connect#1"
tm send-keys -t ui :
wait_for ":"
tm send-keys -t ui -l '25'
tm send-keys -t ui Enter
wait_for "frame 25"
selected | grep -q 'publish#' || fail ":25 did not select the publish command (frame 25): $(selected)"
echo "ok: go to frame"

tm send-keys -t ui g /
tm send-keys -t ui -l '_result#'
tm send-keys -t ui Enter
wait_for "found: _result#"
selected | grep -q '_result#1' || fail "search did not select _result#1: $(selected)"
tm send-keys -t ui n
wait_for "Timeline 12/"
selected | grep -q '_result#4' || fail "n did not select _result#4: $(selected)"
tm send-keys -t ui n
wait_for "(wrapped)"
selected | grep -q '_result#1' || fail "n did not wrap to _result#1: $(selected)"
tm send-keys -t ui N
wait_for "Timeline 12/"
selected | grep -q '_result#4' || fail "N did not go back to _result#4: $(selected)"
echo "ok: search n/N with wrap"

# The detail pane names the request this answers; p goes to it and back.
wait_for "answers createStream (frame 20)"
tm send-keys -t ui p
wait_for "answered by _result#4"
selected | grep -q 'createStream#4' || fail "p did not go to createStream#4: $(selected)"
echo "ok: request ↔ response"

tm send-keys -t ui Tab z
wait_for "z: restore"
screen | grep -q 'Timeline' && fail "zoomed detail still shows the timeline"
tm send-keys -t ui z
wait_for "Timeline"
echo "ok: zoom"

tm send-keys -t ui BTab c
wait_for "Conversation c1"
wait_for "media messages"
tm send-keys -t ui g
wait_for "+44.026 ms" # connect's answer, with its latency
tm send-keys -t ui Escape
sleep 0.3
wait_for "Timeline"
echo "ok: conversation"

tm send-keys -t ui s
wait_for "Charts · c1/c2s/1"
wait_for "video bitrate (bit/s)"
screen | grep -q -e '⠉' -e '⣀' -e '⠒' -e '⠤' || fail "no braille chart drawn"
tm send-keys -t ui s
wait_for "Timeline"
echo "ok: charts"

tm send-keys -t ui q
wait_for "EXITED 0"
screen | grep -qE '^[0-9]+ packets written to .*out.pcapng' || fail "quitting with -w did not say how many packets were written"
echo "ok: -w count on quit: $(screen | grep -E 'packets written')"
fresh

# Live on the loopback of a network namespace of our own: a client and a
# server exchange a handshake's worth of bytes; the status bar counts the
# packets, and quitting says how many -w wrote.
if [[ $(id -u) == 0 ]] && command -v unshare >/dev/null && command -v nsenter >/dev/null && command -v python3 >/dev/null; then
	tm -f /dev/null new-session -d -s ui -x 120 -y 40 \
		"unshare -n sh -c 'ip link set lo up; echo \$\$ > $work/live.pid; TERM=xterm-256color $bin -i lo -w $work/live.pcapng; echo EXITED \$?; sleep 30'"
	wait_for "live lo"
	nsenter -t "$(cat "$work/live.pid")" -n python3 -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 1935)); s.listen(1)
c = socket.create_connection(("127.0.0.1", 1935)); a, _ = s.accept()
c.sendall(b"\x03" + b"\x00" * 1536); a.recv(4096); a.sendall(b"\x03" + b"\x00" * 3072)
n = 0
while n < 3073: n += len(c.recv(8192))
c.close(); a.close()'
	wait_for "connection 127.0.0.1:"
	live=$(screen | grep -oE '[0-9]+ pkts 0 dropped' | grep -oE '^[0-9]+')
	tm send-keys -t ui q
	wait_for "EXITED 0"
	written=$(screen | grep -oE '^[0-9]+ packets written to' | grep -oE '^[0-9]+')
	[[ -n $written && $written -gt 0 && $written -ge $live ]] || fail "live -w: $written written, status showed $live"
	echo "ok: live on lo: status $live pkts, $written packets written on quit"
	fresh
else
	echo "skip: live check (needs root, unshare, nsenter and python3)"
fi

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
