package export

import (
	"encoding/hex"
	"strings"
	"time"

	"github.com/rtmpscope/rtmpscope/event"
)

// handshakeJSON is the "handshake" event of the NDJSON export, with the
// dissector's fields under stable snake_case names.
type handshakeJSON struct {
	eventHead
	C0            int      `json:"c0"` // -1 when not seen
	S0            int      `json:"s0"`
	Encrypted     bool     `json:"encrypted"`
	Digest        bool     `json:"digest"`
	Complete      bool     `json:"complete"`
	C1            halfJSON `json:"c1"`
	S1            halfJSON `json:"s1"`
	C2            echoJSON `json:"c2"`
	S2            echoJSON `json:"s2"`
	ServerDelayMS float64  `json:"server_delay_ms"`
	ClientDelayMS float64  `json:"client_delay_ms"`
	RTTMS         float64  `json:"rtt_ms"`
	// RTMFP is the RTMFP handshake and session (variant rtmfp only).
	RTMFP *event.RTMFPSession `json:"rtmfp,omitempty"`
}

// halfJSON is C1 or S1.
type halfJSON struct {
	Present      bool   `json:"present"`
	Time         uint32 `json:"time"`
	Version      uint32 `json:"version"`
	Scheme       int    `json:"scheme"` // 0 or 1, -1 when no digest validated
	DigestOffset int    `json:"digest_offset,omitempty"`
	Digest       string `json:"digest,omitempty"` // hex
	Frame        uint64 `json:"frame,omitempty"`
	FirstTime    string `json:"first_time,omitempty"`
	LastTime     string `json:"last_time,omitempty"`
}

// echoJSON is C2 or S2 checked against the peer's C1/S1.
type echoJSON struct {
	Present bool   `json:"present"`
	Kind    string `json:"kind,omitempty"` // echo, digest, digest-unverified, mismatch
	Time    uint32 `json:"time"`
	Time2   uint32 `json:"time2"`
	Frame   uint64 `json:"frame,omitempty"`
}

func handshakeToJSON(head eventHead, h *event.Handshake) handshakeJSON {
	return handshakeJSON{
		eventHead: head, C0: h.C0, S0: h.S0, Encrypted: h.Encrypted, Digest: h.Digest, Complete: h.Complete,
		C1: halfToJSON(h.C1), S1: halfToJSON(h.S1), C2: echoToJSON(h.C2), S2: echoToJSON(h.S2),
		ServerDelayMS: ms(h.ServerDelay), ClientDelayMS: ms(h.ClientDelay), RTTMS: ms(h.RTT),
		RTMFP: redactRTMFP(h.RTMFP),
	}
}

// redactRTMFP masks the query of the endpoint discriminator's URL, where
// tokens travel, as every other URL is masked.
func redactRTMFP(s *event.RTMFPSession) *event.RTMFPSession {
	if s == nil {
		return nil
	}
	c := *s
	if i := strings.IndexByte(c.EPD.Ancillary, '?'); i >= 0 {
		c.EPD.Ancillary = c.EPD.Ancillary[:i] + "?****"
	}
	return &c
}

func halfToJSON(h event.HandshakeHalf) halfJSON {
	j := halfJSON{Present: h.Present, Time: h.Time, Version: h.Version, Scheme: h.Scheme, Frame: h.Frame}
	if h.Scheme >= 0 && len(h.Digest) > 0 {
		j.DigestOffset, j.Digest = h.DigestOffset, hex.EncodeToString(h.Digest)
	}
	if !h.Time0.IsZero() {
		j.FirstTime, j.LastTime = FormatTime(h.Time0), FormatTime(h.Time1)
	}
	return j
}

func echoToJSON(e event.EchoCheck) echoJSON {
	return echoJSON{Present: e.Present, Kind: e.Kind, Time: e.Time, Time2: e.Time2, Frame: e.Frame}
}

// ms is a duration in milliseconds with microsecond precision.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// accountingJSON is where one direction's bytes went (conn closed events).
type accountingJSON struct {
	Handshake int64 `json:"handshake"`
	Header    int64 `json:"header"`
	Payload   int64 `json:"payload"`
	Skipped   int64 `json:"skipped"`
	Encrypted int64 `json:"encrypted"`
	Pending   int64 `json:"pending"`
	Missing   int64 `json:"missing"`
}

func accountingToJSON(a event.Accounting) accountingJSON {
	return accountingJSON{a.Handshake, a.Header, a.Payload, a.Skipped, a.Encrypted, a.Pending, a.Missing}
}
