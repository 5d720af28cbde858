// Package detect decides whether a TCP connection carries RTMP, and says
// which rule decided it: the server port, or the bytes of the handshake
// (C0 of 3, 6 or 8 followed by a 1536-byte C1), which finds RTMP on ports
// 80, 443, 8080 or any other. It reads only the first bytes of each
// direction, so it is cheap enough to run on every connection.
package detect

import (
	"bytes"
	"slices"
	"strconv"

	"github.com/rtmpscope/rtmpscope/reassembly"
)

// Rule names what made a connection RTMP (or not).
type Rule string

// The rules, in the order they are tried.
const (
	RuleHandshake Rule = "handshake" // C0 3/6/8 + 1536-byte C1, answered by S0
	RuleRTMPT     Rule = "rtmpt"     // HTTP requests to RTMPT's /open, /send, /idle, /fcs/ident2
	RulePort      Rule = "port"      // the server port is an RTMP port, content not seen
	RuleNone      Rule = ""          // not RTMP as far as these rules can tell
)

// Handshake sizes from the RTMP specification.
const (
	c0Len = 1
	c1Len = 1536
)

// Result is the verdict on one connection.
type Result struct {
	RTMP    bool
	Rule    Rule
	Variant string // "rtmp", "rtmpe", "rtmpt", or "" when not RTMP
	Why     string // a short sentence for people
}

// Sniffer watches the first bytes of both directions of a connection.
type Sniffer struct {
	ports   []uint16
	server  uint16
	head    [2][]byte // first bytes of each direction, from offset 0
	started [2]bool   // the direction's data began at offset 0
	seen    [2]bool
}

// maxHead is how much of each direction is kept: C0+C1, and the start of an
// HTTP request line.
const maxHead = c0Len + c1Len

// NewSniffer makes a sniffer for a connection whose server port is server;
// ports are the ports to call RTMP without seeing a handshake.
func NewSniffer(server uint16, ports []uint16) *Sniffer {
	return &Sniffer{ports: ports, server: server}
}

// Data feeds delivered bytes (see reassembly.Handler).
func (s *Sniffer) Data(d reassembly.Direction, off int64, data []byte) {
	if !s.seen[d] {
		s.seen[d] = true
		s.started[d] = off == 0
	}
	if !s.started[d] || off != int64(len(s.head[d])) || len(s.head[d]) >= maxHead {
		return
	}
	n := min(len(data), maxHead-len(s.head[d]))
	s.head[d] = append(s.head[d], data[:n]...)
}

// Gap feeds a gap: bytes after a gap at the start are not a handshake.
func (s *Sniffer) Gap(d reassembly.Direction, g reassembly.Gap) {
	if !s.seen[d] || len(s.head[d]) < maxHead {
		s.seen[d] = true
		s.started[d] = false
	}
}

func isVersion(b byte) bool { return b == 3 || b == 6 || b == 8 }

var rtmptPaths = [][]byte{[]byte("POST /open/"), []byte("POST /send/"), []byte("POST /idle/"), []byte("POST /fcs/ident"), []byte("POST /close/")}

// Result gives the verdict with what has been seen so far.
func (s *Sniffer) Result() Result {
	c, sv := s.head[reassembly.ClientToServer], s.head[reassembly.ServerToClient]
	if s.started[0] && len(c) >= maxHead && isVersion(c[0]) {
		// A server answers with S0; a connection whose server has not
		// answered yet still counts when C1 is complete.
		if len(sv) == 0 || isVersion(sv[0]) {
			v := "rtmp"
			why := "client sent C0=3 and a 1536-byte C1"
			if c[0] != 3 {
				v = "rtmpe"
				why = "client sent C0=" + string('0'+c[0]) + " (RTMPE, encrypted) and a 1536-byte C1"
			}
			return Result{RTMP: true, Rule: RuleHandshake, Variant: v, Why: why}
		}
	}
	if s.started[0] {
		for _, p := range rtmptPaths {
			if bytes.HasPrefix(c, p) {
				return Result{RTMP: true, Rule: RuleRTMPT, Variant: "rtmpt", Why: "HTTP " + string(bytes.TrimPrefix(p, []byte("POST "))) + " request (RTMP tunnelled in HTTP)"}
			}
		}
	}
	if slices.Contains(s.ports, s.server) {
		why := "server port " + strconv.Itoa(int(s.server)) + "; handshake not captured"
		if s.started[0] && len(c) > 0 {
			// The start was captured and is not a handshake.
			if !isVersion(c[0]) {
				return Result{Why: "server port " + strconv.Itoa(int(s.server)) + " but the client's first byte is not an RTMP version"}
			}
			why = "server port " + strconv.Itoa(int(s.server)) + "; handshake incomplete"
		}
		return Result{RTMP: true, Rule: RulePort, Variant: "rtmp", Why: why}
	}
	return Result{Why: "no RTMP handshake and not an RTMP port"}
}
