#!/usr/bin/env python3
"""Helpers for make.sh: craft edge-case frames, convert link types, and ask
tcpdump (the oracle) which frames each filter expression selects.

  pcaptool.py craft OUT.pcap [linktype]    edge-case frames (1 Ethernet, 113 SLL, 276 SLL2)
  pcaptool.py keeplo IN OUT                keep only loopback frames of an SLL/SLL2 capture
  pcaptool.py trim IN OUT                  keep gen_traffic.py's frames and 30 others
  pcaptool.py convert OUT LINKTYPE IN...   re-encapsulate the IP frames of Ethernet captures
                                           (0 Null, 108 Loop, 101 Raw, 228 IPv4, 229 IPv6)
  pcaptool.py oracle EXPRS PCAP...         print "file<TAB>expr<TAB>frames" using tcpdump -r -w
"""
import struct, subprocess, sys, os, tempfile

def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        e = "<"
    else:
        e = ">"
    _, _, _, _, _, snap, lt = struct.unpack(e + "IHHiIII", data[:24])
    off, pkts = 24, []
    while off + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        pkts.append((sec, usec, orig, data[off:off + incl]))
        off += incl
    return lt, pkts

def write_pcap(path, lt, pkts):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, lt))
        for sec, usec, orig, b in pkts:
            f.write(struct.pack("<IIII", sec, usec, len(b), orig))
            f.write(b)

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s >> 16) + (s & 0xffff)
    return ~s & 0xffff

def ip4(src, dst, proto, payload, ident=1, flags_off=0, options=b"", ttl=64):
    ihl = 5 + len(options) // 4
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, 4 * ihl + len(payload), ident, flags_off, ttl, proto, 0,
                    bytes(map(int, src.split("."))), bytes(map(int, dst.split(".")))) + options
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload

def a6(s):
    import ipaddress
    return ipaddress.IPv6Address(s).packed

def ip6(src, dst, nh, payload):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, 64, a6(src), a6(dst)) + payload

def tcp(sp, dp, flags=0x02, payload=b""):
    return struct.pack("!HHIIBBHHH", sp, dp, 1000, 0, 0x50, flags, 65535, 0, 0) + payload

def udp(sp, dp, payload=b"data"):
    return struct.pack("!HHHH", sp, dp, 8 + len(payload), 0) + payload

def sctp(sp, dp):
    return struct.pack("!HHII", sp, dp, 0, 0) + b"\x01\x00\x00\x04"

def eth(etype, payload, src=b"\x02\x00\x00\x00\x00\x01", dst=b"\x02\x00\x00\x00\x00\x02"):
    return dst + src + struct.pack("!H", etype) + payload

def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, sha, bytes(map(int, spa.split("."))),
                       tha, bytes(map(int, tpa.split("."))))

def crafted():
    """Each entry: (ethertype, network-layer bytes, note). VLAN entries carry the tag in the payload."""
    mac = b"\x02\x00\x00\x00\x00\x01"
    frag2 = b"\x07\x8f\x07\x8f" + b"X" * 20  # a non-first fragment whose bytes look like port 1935
    return [
        (0x0800, ip4("10.0.0.1", "10.0.0.2", 6, tcp(40000, 1935)), "v4 tcp 1935"),
        (0x8100, struct.pack("!HH", 100, 0x0800) + ip4("10.0.0.1", "10.0.0.2", 6, tcp(40001, 1935)), "vlan 100 v4 tcp 1935"),
        (0x0800, ip4("192.168.1.10", "10.1.2.3", 6, tcp(1935, 5000, 0x12), options=b"\x01\x01\x01\x00"), "v4 options tcp"),
        (0x0800, ip4("10.0.0.1", "10.0.0.2", 17, udp(5000, 1935, b"A" * 16), ident=7, flags_off=0x2000), "v4 first fragment udp 1935"),
        (0x0800, ip4("10.0.0.1", "10.0.0.2", 17, frag2, ident=7, flags_off=3), "v4 later fragment"),
        (0x0800, ip4("10.0.0.5", "10.0.0.6", 6, tcp(22, 51000, 0x10), flags_off=0x4000), "v4 DF tcp 22"),
        (0x86dd, ip6("2001:db8::1", "2001:db8:1::2", 6, tcp(40002, 1935)), "v6 tcp 1935"),
        (0x86dd, ip6("2001:db8::1", "2001:db8:1::2", 44, struct.pack("!BBHI", 6, 0, 1, 99) + tcp(40003, 1935)), "v6 frag hdr tcp 1935"),
        (0x86dd, ip6("2001:db8::1", "2001:db8:1::2", 0, struct.pack("!BB", 17, 0) + b"\x01\x04\0\0\0\0" + udp(40004, 1935)), "v6 hop-by-hop udp 1935"),
        (0x86dd, ip6("fe80::1", "ff02::1", 58, struct.pack("!BBHHH", 128, 0, 0, 1, 1)), "v6 icmp6 echo"),
        (0x86dd, ip6("2001:db8::5", "2001:db8::53", 17, udp(33000, 53)), "v6 udp 53"),
        (0x86dd, ip6("2001:db8::5", "::1", 6, tcp(8443, 1936, 0x10)), "v6 tcp to ::1"),
        (0x0806, arp(1, mac, "10.0.0.1", b"\0" * 6, "10.0.0.2"), "arp request"),
        (0x8035, arp(3, mac, "0.0.0.0", mac, "10.0.0.9"), "rarp"),
        (0x0800, ip4("10.0.0.1", "10.0.0.2", 132, sctp(2905, 1935)), "v4 sctp 1935"),
        (0x0800, ip4("172.16.5.4", "10.0.0.1", 1, struct.pack("!BBHHH", 8, 0, 0, 1, 1) + b"ping"), "v4 icmp echo"),
        (0x0800, ip4("10.0.0.1", "10.0.0.1", 6, tcp(1935, 1935, 0x10)), "v4 tcp 1935->1935"),
        (0x0800, ip4("10.0.0.7", "10.0.0.3", 17, udp(41000, 8080)), "v4 udp 8080"),
        (0x0800, ip4("10.0.0.8", "10.200.0.1", 6, tcp(8081, 80, 0x10), options=b"\x01" * 40), "v4 ihl 15 tcp 8081"),
        (0x0800, ip4("10.9.9.9", "10.0.0.2", 6, tcp(1935, 40005, 0x12))[:22], "v4 tcp truncated after sport"),
        (0x0800, ip4("127.0.0.2", "127.0.0.1", 17, udp(1935, 1935)), "v4 udp 1935 both"),
        (0x0800, ip4("10.0.0.1", "224.0.0.1", 2, b"\x11\x64\xee\x9b\0\0\0\0"), "v4 igmp"),
    ]

def link_header(lt, etype, i):
    if lt == 1:
        return None
    if lt == 113:
        return struct.pack("!HHH8sH", 0, 772, 6, b"\0" * 8, etype)
    if lt == 276:
        return struct.pack("!HHIHBB8s", etype, 0, 1, 772, 0, 6, b"\0" * 8)
    raise SystemExit("craft: unsupported link type %d" % lt)

def cmd_craft(out, lt=1):
    pkts = []
    for i, (etype, payload, _) in enumerate(crafted()):
        if lt == 1:
            frame = eth(etype, payload)
        else:
            frame = link_header(lt, etype, i) + payload
        orig = len(frame)
        if "truncated" in _:
            orig += 30
        pkts.append((1700000000 + i, 0, orig, frame))
    write_pcap(out, lt, pkts)

def cmd_keeplo(inp, out):
    lt, pkts = read_pcap(inp)
    keep = []
    for p in pkts:
        b = p[3]
        hatype = struct.unpack("!H", b[2:4])[0] if lt == 113 else struct.unpack("!H", b[8:10])[0]
        if hatype == 772:  # ARPHRD_LOOPBACK
            keep.append(p)
    write_pcap(out, lt, keep)

def mine(lt, b):
    """True for frames gen_traffic.py sends (its addresses and ports, ICMP)."""
    off = {1: 14, 113: 16, 276: 20}[lt]
    etype = struct.unpack("!H", b[off - 2:off] if lt != 276 else b[0:2])[0]
    ip = b[off:]
    if etype == 0x0800 and len(ip) >= 20:
        if ip[9] == 1 or ip[12:15] == b"\x7f\0\0" and ip[15] in (2, 3) or ip[16:19] == b"\x7f\0\0" and ip[19] in (2, 3):
            return True
    if etype == 0x86dd and len(ip) >= 44:
        if ip[6] == 58:
            return True
        ports = struct.unpack("!HH", ip[40:44])
        return bool({9935, 8443, 5353} & set(ports))
    return False

def cmd_trim(lt_in, out, foreign=30):
    """Keep our own traffic and only the first few frames of other people's loopback traffic."""
    lt, pkts = read_pcap(lt_in)
    keep, n = [], 0
    for p in pkts:
        if mine(lt, p[3]):
            keep.append(p)
        elif n < foreign:
            keep.append(p)
            n += 1
    write_pcap(out, lt, keep)

def cmd_convert(out, lt, inputs):
    res, n6 = [], 0
    for path in inputs:
        src_lt, pkts = read_pcap(path)
        assert src_lt == 1, path
        for sec, usec, orig, b in pkts:
            if len(b) < 14:
                continue
            etype = struct.unpack("!H", b[12:14])[0]
            payload, orig = b[14:], orig - 14
            if etype not in (0x0800, 0x86dd):
                continue
            v6 = etype == 0x86dd
            if lt in (0, 108):
                if v6:
                    af = (24, 28, 30)[n6 % 3]
                    n6 += 1
                else:
                    af = 2
                hdr = struct.pack("<I" if lt == 0 else ">I", af)
            elif lt == 101:
                hdr = b""
            elif lt == 228:
                if v6:
                    continue
                hdr = b""
            elif lt == 229:
                if not v6:
                    continue
                hdr = b""
            else:
                raise SystemExit("convert: unsupported link type %d" % lt)
            res.append((sec, usec, orig + len(hdr), hdr + payload))
    write_pcap(out, lt, res)

def selected(pcap, expr):
    """Frame numbers (1-based) tcpdump keeps for expr, by matching its -w output back to the input."""
    _, pkts = read_pcap(pcap)
    with tempfile.NamedTemporaryFile(suffix=".pcap") as tmp:
        r = subprocess.run(["tcpdump", "-r", pcap, "-w", tmp.name, expr], capture_output=True, text=True)
        if r.returncode != 0:
            return None, r.stderr.strip().splitlines()[-1]
        _, out = read_pcap(tmp.name)
    frames, j = [], 0
    for i, p in enumerate(pkts):
        if j < len(out) and out[j] == p:
            frames.append(i + 1)
            j += 1
    assert j == len(out), "tcpdump output is not a subsequence of its input"
    return frames, None

def cmd_oracle(exprfile, pcaps):
    exprs = [l.rstrip("\n") for l in open(exprfile) if l.strip() and not l.startswith("#")]
    print("# file\texpression\tselected frame numbers (tcpdump %s)" %
          subprocess.run(["tcpdump", "--version"], capture_output=True, text=True).stdout.splitlines()[0].split()[-1])
    for pcap in pcaps:
        for e in exprs:
            frames, err = selected(pcap, e)
            name = os.path.basename(pcap)
            if err is not None:
                print("%s\t%s\tERROR %s" % (name, e, err))
            else:
                print("%s\t%s\t%s" % (name, e, ",".join(map(str, frames))))

if __name__ == "__main__":
    a = sys.argv[1:]
    if a[0] == "craft":
        cmd_craft(a[1], int(a[2]) if len(a) > 2 else 1)
    elif a[0] == "keeplo":
        cmd_keeplo(a[1], a[2])
    elif a[0] == "trim":
        cmd_trim(a[1], a[2])
    elif a[0] == "convert":
        cmd_convert(a[1], int(a[2]), a[3:])
    elif a[0] == "oracle":
        cmd_oracle(a[1], a[2:])
    else:
        raise SystemExit(__doc__)
