#!/usr/bin/env python3
"""make-malformed.py — derive malformed capture files from committed real
captures (publish.pcap, publish-ng.pcapng), one field changed in each, for
the tests of capture-file errors (#14 item 6) and scripts/hostile-input.sh.

  ./make-malformed.py

malformed/pcapng-len8.pcapng     the 10th block (an enhanced packet block,
                                 frame 9) says its length is 8
malformed/pcapng-len1001.pcapng  the same block says 1001 (not a multiple of 4)
malformed/pcapng-trailer.pcapng  the same block's trailing length is off by 4
malformed/pcap-snaplen-ffffffff.pcap
                                 the file header's snap length is 0xFFFFFFFF
                                 (what some tools write for "no limit"); every
                                 record intact: it must read completely
malformed/pcap-snaplen-ffffffff-badrec.pcap
                                 the same, and record 200's captured length is
                                 0x7FFFFFF0 (a corrupt length: malformed, and
                                 nothing allocated for it)
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
PCAPS = os.path.join(HERE, '..')
OUT = os.path.join(HERE, 'malformed')
os.makedirs(OUT, exist_ok=True)


def blocks(b):
    """(offset, type, length) of each block of a little-endian pcapng file."""
    off, out = 0, []
    while off < len(b):
        t, n = struct.unpack_from('<II', b, off)
        out.append((off, t, n))
        off += n
    return out


ng = open(os.path.join(PCAPS, 'publish-ng.pcapng'), 'rb').read()
assert struct.unpack_from('<I', ng, 8)[0] == 0x1A2B3C4D, 'publish-ng.pcapng is expected little-endian'
off, typ, n = blocks(ng)[10]
assert typ == 6, 'block 10 is expected to be an enhanced packet block'
for name, val in (('pcapng-len8', 8), ('pcapng-len1001', 1001)):
    b = bytearray(ng)
    struct.pack_into('<I', b, off + 4, val)
    open(os.path.join(OUT, name + '.pcapng'), 'wb').write(b)
b = bytearray(ng)
struct.pack_into('<I', b, off + n - 4, n + 4)
open(os.path.join(OUT, 'pcapng-trailer.pcapng'), 'wb').write(b)

pc = bytearray(open(os.path.join(PCAPS, 'publish.pcap'), 'rb').read())
assert struct.unpack_from('<I', pc, 0)[0] == 0xA1B2C3D4, 'publish.pcap is expected little-endian microseconds'
struct.pack_into('<I', pc, 16, 0xFFFFFFFF)
open(os.path.join(OUT, 'pcap-snaplen-ffffffff.pcap'), 'wb').write(pc)
off, i = 24, 1
while i < 200:
    off += 16 + struct.unpack_from('<I', pc, off + 8)[0]
    i += 1
struct.pack_into('<I', pc, off + 8, 0x7FFFFFF0)
open(os.path.join(OUT, 'pcap-snaplen-ffffffff-badrec.pcap'), 'wb').write(pc)
print('record 200 at offset', off)
for f in sorted(os.listdir(OUT)):
    print(f, os.path.getsize(os.path.join(OUT, f)))
