package rtmfp

// inCksum is the Internet checksum (RFC 1071) that RFC 7425 §4.2 puts in
// front of packets when no HMAC was negotiated: the ones' complement of
// the ones' complement sum of big-endian 16-bit words, an odd last byte
// padded with zero.
func inCksum(b []byte) uint16 {
	var sum uint32
	for len(b) >= 2 {
		sum += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}
