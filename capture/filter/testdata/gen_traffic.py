#!/usr/bin/env python3
"""Generate a small, mixed burst of loopback traffic for the filter tests.

Run by make.sh while tcpdump is capturing. Needs root (raw ICMP sockets).
TCP on 127.0.0.2:1935, 127.0.0.3:8080, [::1]:9935, [::1]:8443, a refused
connection to 127.0.0.2:23; UDP to 127.0.0.2:53 (closed: ICMP unreachable),
127.0.0.3:1935 and [::1]:5353 (closed: ICMPv6 unreachable); ICMP echo to
127.0.0.1 and ::1.
"""
import socket, struct, threading, time

def tcp_server(fam, addr, port, ready):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(4)
    ready.set()
    for _ in range(2):
        c, _ = s.accept()
        data = c.recv(4096)
        c.sendall(b"pong:" + data[:64])
        c.close()
    s.close()

def tcp_client(fam, addr, port, msg):
    c = socket.socket(fam, socket.SOCK_STREAM)
    c.connect((addr, port))
    c.sendall(msg)
    c.recv(4096)
    c.close()

def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff

def ping4(dst, seq):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    hdr = struct.pack("!BBHHH", 8, 0, 0, 0x1234, seq) + b"rtmpscope-ping"
    hdr = hdr[:2] + struct.pack("!H", checksum(hdr)) + hdr[4:]
    s.sendto(hdr, (dst, 0))
    s.settimeout(1)
    try:
        s.recv(1500)
    except OSError:
        pass
    s.close()

def ping6(dst, seq):
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    pkt = struct.pack("!BBHHH", 128, 0, 0, 0x1234, seq) + b"rtmpscope-ping6"
    s.sendto(pkt, (dst, 0))  # kernel fills in the ICMPv6 checksum
    s.settimeout(1)
    try:
        s.recv(1500)
    except OSError:
        pass
    s.close()

def main():
    servers = [
        (socket.AF_INET, "127.0.0.2", 1935),
        (socket.AF_INET, "127.0.0.3", 8080),
        (socket.AF_INET6, "::1", 9935),
        (socket.AF_INET6, "::1", 8443),
    ]
    threads = []
    for fam, addr, port in servers:
        ev = threading.Event()
        t = threading.Thread(target=tcp_server, args=(fam, addr, port, ev), daemon=True)
        t.start()
        ev.wait(2)
        threads.append(t)
    for i in range(2):
        for fam, addr, port in servers:
            tcp_client(fam, addr, port, b"hello %d %s" % (i, addr.encode()))
            time.sleep(0.02)
    # refused connection (SYN, RST)
    try:
        tcp_client(socket.AF_INET, "127.0.0.2", 23, b"x")
    except OSError:
        pass
    # UDP: closed ports give ICMP/ICMPv6 port unreachable
    for fam, addr, port in [(socket.AF_INET, "127.0.0.2", 53), (socket.AF_INET, "127.0.0.3", 1935),
                            (socket.AF_INET6, "::1", 5353)]:
        u = socket.socket(fam, socket.SOCK_DGRAM)
        u.sendto(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01", (addr, port))
        u.close()
        time.sleep(0.02)
    for seq in (1, 2):
        ping4("127.0.0.1", seq)
        ping6("::1", seq)
    for t in threads:
        t.join(2)

if __name__ == "__main__":
    main()
