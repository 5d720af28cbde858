#!/usr/bin/env bash
# make-vxlan.sh — real captures of RTMP published across a VXLAN tunnel, and
# a real dumpcap ring of rotated files of the same session.
#
#   sudo ./make-vxlan.sh        (Debian 12: iproute2, nginx + libnginx-mod-rtmp,
#                                ffmpeg, tcpdump, dumpcap; needs root for netns)
#
# Two private network namespaces, hc-pub and hc-srv, joined by one veth pair
# (underlay 192.0.2.1 <-> 192.0.2.2, TEST-NET-1, nowhere else). Each has a
# VXLAN device, VNI 42 on UDP 4789, whose overlay is 10.42.0.1 <-> 10.42.0.2.
# nginx-rtmp listens on 10.42.0.2:1935 only (inside hc-srv); ffmpeg in hc-pub
# publishes 3 s of test video to rtmp://10.42.0.2:1935/live/<key>.
# Three captures run at once, in hc-srv:
#   vxlan.pcap          tcpdump on the underlay veth: Ethernet/IPv4/UDP 4789/
#                       VXLAN/Ethernet/IPv4/TCP/RTMP (what a tap on the wire sees)
#   vxlan-inner.pcap    tcpdump on the VXLAN device: the same packets, plain
#   rotated/dumpcap/    dumpcap -b filesize:80 on the VXLAN device: a real ring
#                       of rotated pcapng files (dumpcap's own names)
# The test compares rtmpscope's messages on vxlan.pcap with vxlan-inner.pcap,
# and the rotated ring read as one capture with the same plain capture.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PCAPS=$HERE/..
KEY="live_8f3a2c1d9e7b4a06?token=s3cr3t-5d41402abc4b2a76"
[[ $(id -u) == 0 ]] || { echo "make-vxlan: run as root" >&2; exit 1; }
WORK=$(mktemp -d /tmp/rtmpscope-vxlan.XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
    sleep 0.5
    for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del hc-pub 2>/dev/null || true
    ip netns del hc-srv 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

ip netns add hc-pub
ip netns add hc-srv
ip -n hc-pub link add ul0 type veth peer name ul1 netns hc-srv
ip -n hc-pub addr add 192.0.2.1/24 dev ul0
ip -n hc-srv addr add 192.0.2.2/24 dev ul1
for ns in hc-pub hc-srv; do ip -n $ns link set lo up; done
ip -n hc-pub link set ul0 up
ip -n hc-srv link set ul1 up
ip -n hc-pub link add vx0 type vxlan id 42 dstport 4789 local 192.0.2.1 remote 192.0.2.2 dev ul0
ip -n hc-srv link add vx0 type vxlan id 42 dstport 4789 local 192.0.2.2 remote 192.0.2.1 dev ul1
ip -n hc-pub addr add 10.42.0.1/24 dev vx0
ip -n hc-srv addr add 10.42.0.2/24 dev vx0
ip -n hc-pub link set vx0 up
ip -n hc-srv link set vx0 up

cat >"$WORK/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off;
master_process off;
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log info;
events { worker_connections 64; }
rtmp {
    server {
        listen 10.42.0.2:1935;
        chunk_size 4096;
        application live { live on; }
    }
}
CONF
ip netns exec hc-srv timeout -k 5 120 nginx -c "$WORK/nginx.conf" -p "$WORK/" -e "$WORK/nginx-error.log" &
PIDS+=($!)
for ((i = 0; i < 100; i++)); do
    ip netns exec hc-srv ss -Hltn | grep -qF '10.42.0.2:1935' && break
    sleep 0.1
done

mkdir -p "$WORK/ring"
ip netns exec hc-srv timeout -k 5 60 tcpdump -i ul1 -s 0 -U -w "$WORK/vxlan.pcap" 'udp port 4789' 2>"$WORK/t1.log" &
PIDS+=($!)
ip netns exec hc-srv timeout -k 5 60 tcpdump -i vx0 -s 0 -U -w "$WORK/vxlan-inner.pcap" 'tcp port 1935' 2>"$WORK/t2.log" &
PIDS+=($!)
ip netns exec hc-srv timeout -k 5 60 dumpcap -q -i vx0 -f 'tcp port 1935' -b filesize:80 -w "$WORK/ring/vxlan.pcapng" 2>"$WORK/d.log" &
PIDS+=($!)
for log in t1 t2; do
    for ((i = 0; i < 100; i++)); do grep -q 'listening on' "$WORK/$log.log" && break; sleep 0.1; done
done
sleep 1 # dumpcap prints nothing when ready

ip netns exec hc-pub timeout -k 5 40 ffmpeg -hide_banner -nostdin -loglevel error -re \
    -t 3 -f lavfi -i "testsrc2=size=320x240:rate=25" -t 3 -f lavfi -i "sine=frequency=440:sample_rate=44100" \
    -map 0:v -map 1:a -c:v libx264 -preset ultrafast -tune zerolatency -profile:v baseline \
    -pix_fmt yuv420p -g 50 -b:v 300k -maxrate 300k -bufsize 300k -threads 1 \
    -c:a aac -ar 44100 -ac 2 -b:a 64k -flags +bitexact -fflags +bitexact \
    -f flv "rtmp://10.42.0.2:1935/live/$KEY"
sleep 1
for pid in "${PIDS[@]:1}"; do kill -INT "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done

cp "$WORK/vxlan.pcap" "$WORK/vxlan-inner.pcap" "$HERE/"
rm -rf "$HERE/rotated/dumpcap"
mkdir -p "$HERE/rotated/dumpcap"
cp "$WORK"/ring/* "$HERE/rotated/dumpcap/"
chmod 644 "$HERE"/rotated/dumpcap/* "$HERE/vxlan.pcap" "$HERE/vxlan-inner.pcap"
ls -l "$HERE/vxlan.pcap" "$HERE/vxlan-inner.pcap" "$HERE/rotated/dumpcap/"
