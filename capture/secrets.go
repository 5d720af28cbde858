package capture

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// pcapng block types and the secrets type of a TLS key log.
const (
	pcapngSHB         = 0x0A0D0D0A
	pcapngDSB         = 0x0000000A
	SecretsTLSKeyLog  = 0x544c534b // "TLSK": NSS key log lines
	maxSecretsBlock   = 64 << 20
	pcapngByteOrderBE = 0x1A2B3C4D
)

// ReadSecrets returns the contents of the Decryption Secrets Blocks of
// secretsType (SecretsTLSKeyLog for TLS) in the pcapng file name, as
// `editcap --inject-secrets tls,FILE` writes them and Wireshark reads
// them, concatenated in file order. A pcap file (or a pcapng without such
// blocks) gives nil and no error. Gzipped files are read through.
func ReadSecrets(name string, secretsType uint32) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadSecretsFrom(f, secretsType)
}

// ReadSecretsFrom is ReadSecrets over a reader. It reads the whole stream
// (block headers, and the bodies of the blocks it keeps); a reader that
// is also an io.Seeker has the other bodies skipped by seeking.
func ReadSecretsFrom(r io.Reader, secretsType uint32) ([]byte, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, err := br.Peek(4)
	if err != nil {
		return nil, nil
	}
	var seeker io.Seeker
	if magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("secrets: %w", err)
		}
		br = bufio.NewReaderSize(zr, 64<<10)
		if magic, err = br.Peek(4); err != nil {
			return nil, nil
		}
	} else if s, ok := r.(io.Seeker); ok {
		seeker = s
	}
	if binary.LittleEndian.Uint32(magic) != pcapngSHB {
		return nil, nil // not pcapng: no secrets
	}
	var order binary.ByteOrder = binary.LittleEndian
	var out []byte
	hdr := make([]byte, 12)
	var pos int64
	for {
		if _, err := io.ReadFull(br, hdr[:8]); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return out, fmt.Errorf("secrets: block header at %d: %w", pos, err)
		}
		typ := order.Uint32(hdr[:4])
		if binary.LittleEndian.Uint32(hdr[:4]) == pcapngSHB {
			// A section header fixes the byte order of its section.
			if _, err := io.ReadFull(br, hdr[8:12]); err != nil {
				return out, fmt.Errorf("secrets: section header at %d: %w", pos, err)
			}
			if binary.BigEndian.Uint32(hdr[8:12]) == pcapngByteOrderBE {
				order = binary.BigEndian
			} else {
				order = binary.LittleEndian
			}
			typ = pcapngSHB
		}
		n := int64(order.Uint32(hdr[4:8]))
		if n < 12 || n%4 != 0 || n > maxSecretsBlock && typ == pcapngDSB {
			return out, fmt.Errorf("secrets: block at %d has length %d", pos, n)
		}
		rest := n - 8
		if typ == pcapngSHB {
			rest -= 4
		}
		if typ != pcapngDSB {
			if err := skip(br, seeker, rest); err != nil {
				return out, fmt.Errorf("secrets: block at %d: %w", pos, err)
			}
			pos += n
			continue
		}
		body, err := io.ReadAll(io.LimitReader(br, rest))
		if err != nil || int64(len(body)) != rest {
			return out, fmt.Errorf("secrets: block at %d cut short", pos)
		}
		if len(body) >= 12 && order.Uint32(body[:4]) == secretsType {
			l := int(order.Uint32(body[4:8]))
			if l <= len(body)-12 {
				out = append(out, body[8:8+l]...)
				if l > 0 && body[8+l-1] != '\n' {
					out = append(out, '\n')
				}
			}
		}
		pos += n
	}
}

// skip passes over n bytes, seeking the underlying file when it can
// (the bufio.Reader's buffered bytes are used up first).
func skip(br *bufio.Reader, s io.Seeker, n int64) error {
	if b := int64(br.Buffered()); s != nil && n > b+(1<<20) {
		if _, err := br.Discard(int(b)); err != nil {
			return err
		}
		if _, err := s.Seek(n-b, io.SeekCurrent); err != nil {
			return err
		}
		br.Reset(s.(io.Reader))
		return nil
	}
	_, err := br.Discard(int(n))
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
