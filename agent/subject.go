package agent

import (
	"os"
	"strings"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
)

// SubjectPrefix is the first token of every event subject:
// rtmpscope.<host>.<kind>.
const SubjectPrefix = "rtmpscope"

// Subject is the subject an event of kind is published on from host (a
// token made with HostToken).
func Subject(host string, kind event.Kind) string {
	return SubjectPrefix + "." + host + "." + kind.String()
}

// HostToken turns a host name into one subject token: NATS tokens are
// separated by dots and may not hold spaces or the wildcards * and >, so
// every character other than letters, digits, '-' and '_' becomes '_'
// ("ingest-01.example.net" is "ingest-01_example_net"). An empty name is
// "unknown".
func HostToken(name string) string {
	if name == "" {
		return "unknown"
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// DefaultHost is the host token of this machine (its hostname).
func DefaultHost() string {
	h, _ := os.Hostname()
	return HostToken(h)
}

// SplitSubject returns the host and kind tokens of an event subject; ok is
// false for a subject of another shape.
func SplitSubject(subject string) (host, kind string, ok bool) {
	parts := strings.Split(subject, ".")
	if len(parts) != 3 || parts[0] != SubjectPrefix {
		return "", "", false
	}
	return parts[1], parts[2], true
}

// IsMedia reports whether a record is media (an audio, video or aggregate
// message): what the queue drops first when the broker is slow. Everything
// else (connections, handshakes, commands, control, data, diagnostics,
// gaps) is a session event.
func IsMedia(r *session.Record) bool {
	if r.Kind != event.KindMessage || r.Message == nil {
		return false
	}
	switch r.Message.TypeID {
	case event.TypeAudio, event.TypeVideo, event.TypeAggregate:
		return true
	}
	return false
}
