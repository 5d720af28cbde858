package export

import (
	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
)

// Shown reports whether the message views (text, -V, the TUI) show a
// record: everything but the connection events of flows that carry none of
// the RTMP family, which the views count but do not list (conns lists
// them, and the JSON export keeps them for joins).
func Shown(r *session.Record) bool {
	return r.Kind != event.KindConn || r.Conn == nil || r.Conn.Info.Variant.IsRTMP()
}
