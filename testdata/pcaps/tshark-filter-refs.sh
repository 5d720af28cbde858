#!/bin/bash
# Makes displayfilter.refs.tsv: for each line of displayfilter.filters.tsv
# (capture, rtmpscope filter, tshark filter), the frames tshark selects
# with 'rtmpt.header.csid && (FILTER)' -- the frames that carry an RTMP
# message, which are the frames of rtmpscope's message events. The test
# export/displayfilter/aliases_test.go checks that rtmpscope's filter
# selects the messages of exactly these frames.
set -eu
cd "$(dirname "$0")"
out=displayfilter.refs.tsv
{
  printf '# made by tshark-filter-refs.sh with %s\n' "$(tshark --version 2>/dev/null | head -1)"
  printf 'capture\tfilter\ttshark_filter\tcount\tframes\n'
  grep -v '^#' displayfilter.filters.tsv | while IFS=$'\t' read -r cap filter tfilter; do
    [ -n "$cap" ] || continue
    [ -n "$tfilter" ] || tfilter=$filter
    frames=$(tshark -r "$cap" -Y "rtmpt.header.csid && ($tfilter)" -T fields -e frame.number 2>/dev/null | paste -sd, -)
    count=$(tshark -r "$cap" -Y "rtmpt.header.csid && ($tfilter)" 2>/dev/null | wc -l)
    printf '%s\t%s\t%s\t%s\t%s\n' "$cap" "$filter" "$tfilter" "$count" "$frames"
  done
} > "$out"
echo "wrote $out"
