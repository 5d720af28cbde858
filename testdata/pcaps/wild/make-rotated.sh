#!/usr/bin/env bash
# make-rotated.sh — derive rotated capture sets from committed real captures,
# for the tests of reading one capture point's rotated files as one capture
# (capture.OpenSequence, capture.GroupFiles, `rtmpscope -r DIR`).
#
#   ./make-rotated.sh        (needs editcap from wireshark-common)
#
# `editcap -c N IN OUT.ext` writes OUT_00000_<YYYYmmddHHMMSS>.ext, OUT_00001_...:
# the same names `dumpcap -b` gives its ring files, each file a valid capture
# of its own (its own header; for pcapng its own SHB and IDB). Packets and
# their timestamps are those of the input, unchanged.
#
# Output, one directory per set so that each directory is one capture point:
#   rotated/publish/    publish.pcap     split every 300 packets (3 files)
#   rotated/multi/      multi.pcap       split every 700 packets (4 files)
#   rotated/publish-ng/ publish-ng.pcapng split every 300 packets (3 files)
# The tests compare rtmpscope's output on each set with its output on the
# unsplit capture: they must be equal.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PCAPS=$HERE/..
command -v editcap >/dev/null || { echo "make-rotated: needs editcap (apt-get install wireshark-common)" >&2; exit 1; }

split() { # SET INPUT PACKETS-PER-FILE
    local set=$1 in=$PCAPS/$2 n=$3 ext=${2##*.}
    rm -rf "$HERE/rotated/$set"
    mkdir -p "$HERE/rotated/$set"
    editcap -c "$n" "$in" "$HERE/rotated/$set/$set.$ext"
    ls "$HERE/rotated/$set"
}
split publish publish.pcap 300
split multi multi.pcap 700
split publish-ng publish-ng.pcapng 300
