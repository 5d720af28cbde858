#!/usr/bin/env bash
# rtmpe-keys.sh — turn librtmp's debug output (rtmpdump -V ... 2>log) into an
# rtmpscope --rtmpe-keys file for one connection.
#
#   rtmpdump -V -r rtmpe://host/app/stream ... 2>dump.log
#   scripts/rtmpe-keys.sh --client 10.0.0.5:50412 --server 192.0.2.7:1935 <dump.log >keys
#
# librtmp logs the Diffie-Hellman shared secret ("DH shared secret" / "Secret
# key") and the two RC4 keys it derives ("RC4 Out Key" is client->server,
# "RC4 In Key" server->client), each as hex dump lines. The client's port is
# not in librtmp's output: take it from the capture (the SYN to the server).
# The output holds secrets: keep it as private as the capture.
set -euo pipefail
client= server=
while (($#)); do
    case $1 in
        --client) client=$2; shift 2 ;;
        --server) server=$2; shift 2 ;;
        -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "rtmpe-keys: unknown argument $1" >&2; exit 2 ;;
    esac
done
[[ -n $client && -n $server ]] || { echo "rtmpe-keys: --client IP:PORT and --server IP:PORT are needed" >&2; exit 2; }
awk -v client="$client" -v server="$server" '
# A hex line of librtmp (RTMP_LogHex): "DEBUG: xx xx ... xx" (16 bytes a line).
function hexline(s,   out, i, n, f) {
    sub(/^[A-Z0-9]+: +/, "", s)
    n = split(s, f, / +/); out = ""
    for (i = 1; i <= n; i++) if (f[i] ~ /^[0-9a-f][0-9a-f]$/) out = out f[i]
    return out
}
/RC4 Out Key/ { cur = "out"; next }
/RC4 In Key/ { cur = "in"; next }
/(DH [Ss]hared [Ss]ecret|Secret key|secret key)/ { cur = "secret"; next }
/^[A-Z0-9]+: +([0-9a-f][0-9a-f] +)*[0-9a-f][0-9a-f] *$/ && cur != "" { v[cur] = v[cur] hexline($0); next }
{ cur = "" }
END {
    if (v["secret"] == "" && v["out"] == "") { print "rtmpe-keys: no RTMPE keys in the input (was rtmpdump run with -V?)" > "/dev/stderr"; exit 1 }
    print "# made by scripts/rtmpe-keys.sh from rtmpdump -V output"
    print "RTMPE client=" client " server=" server
    if (v["secret"] != "") print "dh_secret=" v["secret"]
    if (v["out"] != "") print "rc4_c2s=" v["out"] " rc4_s2c=" v["in"]
}'
