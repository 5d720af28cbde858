package event

import "fmt"

// Dir is the way bytes travel on a connection, relative to the side that
// was decided to be the client.
type Dir uint8

const (
	// C2S is from the client (the side that sent the SYN, C0 or the first
	// datagram, or the one the port rules chose) to the server.
	C2S Dir = 0
	// S2C is the reverse direction.
	S2C Dir = 1
)

// String returns "c2s" or "s2c", the names used in every output.
func (d Dir) String() string {
	if d == S2C {
		return "s2c"
	}
	return "c2s"
}

// Reverse returns the other direction.
func (d Dir) Reverse() Dir { return d ^ 1 }

// MarshalText implements encoding.TextMarshaler.
func (d Dir) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Dir) UnmarshalText(b []byte) error {
	switch string(b) {
	case "c2s":
		*d = C2S
	case "s2c":
		*d = S2C
	default:
		return fmt.Errorf("event: unknown direction %q", b)
	}
	return nil
}

// enum is the shared text form of the small closed sets below: names[v]
// is the name of value v.
func enumText(names []string, v int, what string) ([]byte, error) {
	if v < 0 || v >= len(names) || names[v] == "" {
		return nil, fmt.Errorf("event: %s value %d has no name", what, v)
	}
	return []byte(names[v]), nil
}

func enumParse(names []string, b []byte, what string) (int, error) {
	for i, n := range names {
		if n != "" && n == string(b) {
			return i, nil
		}
	}
	return 0, fmt.Errorf("event: unknown %s %q", what, b)
}

func enumString(names []string, v int) string {
	if v >= 0 && v < len(names) && names[v] != "" {
		return names[v]
	}
	return fmt.Sprintf("unknown(%d)", v)
}

// Variant is which member of the RTMP family a connection carries, as the
// flow router decided it.
type Variant uint8

// The variants. VariantNone is the zero value: not decided yet.
const (
	VariantNone   Variant = iota
	VariantRTMP           // plain RTMP over TCP
	VariantRTMPT          // RTMP tunnelled in HTTP
	VariantRTMPS          // RTMP in TLS
	VariantRTMPE          // Adobe's RC4-encrypted RTMP
	VariantRTMPTE         // RTMPE tunnelled in HTTP
	VariantRTMPTS         // RTMPT in TLS
	VariantRTMFP          // Adobe's UDP protocol
	VariantOther          // not RTMP: counted, never dissected
)

var variantNames = []string{"", "rtmp", "rtmpt", "rtmps", "rtmpe", "rtmpte", "rtmpts", "rtmfp", "other"}

// Variants lists every variant name, for schemas and tests.
func Variants() []string { return append([]string(nil), variantNames[1:]...) }

func (v Variant) String() string { return enumString(variantNames, int(v)) }

// IsRTMP reports whether the variant is a member of the RTMP family.
func (v Variant) IsRTMP() bool { return v != VariantNone && v != VariantOther }

// MarshalText implements encoding.TextMarshaler.
func (v Variant) MarshalText() ([]byte, error) { return enumText(variantNames, int(v), "variant") }

// UnmarshalText implements encoding.TextUnmarshaler.
func (v *Variant) UnmarshalText(b []byte) error {
	i, err := enumParse(variantNames, b, "variant")
	*v = Variant(i)
	return err
}

// Transport is what carries a connection's bytes.
type Transport uint8

// The transports.
const (
	TransportTCP        Transport = iota // one TCP connection
	TransportUDP                         // datagrams of one UDP 5-tuple
	TransportHTTPTunnel                  // RTMPT: a session joined from HTTP requests, maybe over many TCP connections
)

var transportNames = []string{"tcp", "udp", "http-tunnel"}

func (t Transport) String() string { return enumString(transportNames, int(t)) }

// MarshalText implements encoding.TextMarshaler.
func (t Transport) MarshalText() ([]byte, error) {
	return enumText(transportNames, int(t), "transport")
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (t *Transport) UnmarshalText(b []byte) error {
	i, err := enumParse(transportNames, b, "transport")
	*t = Transport(i)
	return err
}

// Orientation says how the client and server of a connection were told
// apart.
type Orientation uint8

// The orientation rules, strongest first.
const (
	OrientGuess     Orientation = iota // servers listen on low ports
	OrientSYN                          // the TCP SYN was captured
	OrientPort                         // one side is on a configured server port
	OrientHandshake                    // the first bytes (C0+C1, an HTTP request, a ClientHello) showed who spoke first
	OrientFirst                        // UDP: the sender of the first datagram
)

var orientNames = []string{"guess", "syn", "port", "handshake", "first"}

func (o Orientation) String() string { return enumString(orientNames, int(o)) }

// MarshalText implements encoding.TextMarshaler.
func (o Orientation) MarshalText() ([]byte, error) {
	return enumText(orientNames, int(o), "orientation")
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (o *Orientation) UnmarshalText(b []byte) error {
	i, err := enumParse(orientNames, b, "orientation")
	*o = Orientation(i)
	return err
}

// GapReason says why bytes are missing from a stream.
type GapReason uint8

// The gap reasons.
const (
	// GapLost means segments were never captured (capture loss, a dropped
	// packet, or a flush that gave up waiting for them).
	GapLost GapReason = iota + 1
	// GapMidStream means the capture began after the connection had
	// started: the bytes before the first captured one are unknown.
	GapMidStream
	// GapLimit means a memory limit forced buffered data to be skipped.
	GapLimit
)

var gapNames = []string{"", "lost", "mid-stream", "limit"}

func (r GapReason) String() string {
	if int(r) < len(gapNames) && r != 0 {
		return gapNames[r]
	}
	return "unknown"
}

// MarshalText implements encoding.TextMarshaler.
func (r GapReason) MarshalText() ([]byte, error) { return enumText(gapNames, int(r), "gap reason") }

// UnmarshalText implements encoding.TextUnmarshaler.
func (r *GapReason) UnmarshalText(b []byte) error {
	i, err := enumParse(gapNames, b, "gap reason")
	*r = GapReason(i)
	return err
}

// Severity ranks a diagnostic.
type Severity uint8

const (
	// Info is noteworthy but not wrong (a convention, an inference).
	Info Severity = iota
	// Warn is a protocol violation or interop hazard that was worked around.
	Warn
	// Error means bytes could not be explained.
	Error
)

var severityNames = []string{"info", "warn", "error"}

// String returns "info", "warn" or "error".
func (s Severity) String() string {
	if s > Error {
		return "error"
	}
	return severityNames[s]
}

// MarshalText implements encoding.TextMarshaler.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Severity) UnmarshalText(b []byte) error {
	i, err := enumParse(severityNames, b, "severity")
	*s = Severity(i)
	return err
}

// End says how a connection ended.
type End uint8

// The ends of a connection.
const (
	EndOpen  End = iota // the capture ended with it still open
	EndFIN              // TCP FIN
	EndRST              // TCP RST
	EndIdle             // no packet for the idle timeout (capture time)
	EndClose            // the protocol closed it (RTMPT /close, RTMFP close-ack)
)

var endNames = []string{"open", "fin", "rst", "idle", "close"}

func (e End) String() string { return enumString(endNames, int(e)) }

// MarshalText implements encoding.TextMarshaler.
func (e End) MarshalText() ([]byte, error) { return enumText(endNames, int(e), "end") }

// UnmarshalText implements encoding.TextUnmarshaler.
func (e *End) UnmarshalText(b []byte) error {
	i, err := enumParse(endNames, b, "end")
	*e = End(i)
	return err
}
