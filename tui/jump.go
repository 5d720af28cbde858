package tui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rtmpscope/rtmpscope/dissect/session"
	"github.com/rtmpscope/rtmpscope/event"
)

// goToFrame moves the timeline to the first selected row of frame n (a
// row's frame is the packet that completed it), or to the first row after
// it when no row has that frame, and says which in the status bar.
func (m *Model) goToFrame(src string) {
	n, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(src), ":"), 10, 32)
	if err != nil || n == 0 {
		m.searchMsg = "go to: not a frame number: " + src
		return
	}
	total := m.tl.count()
	const batch = 4096
	for from := 0; from < total; from += batch {
		for k, i := range m.tl.sel.rows(from, batch, m.st.Len()) {
			f := uint64(m.st.Row(i).Frame)
			if f < n {
				continue
			}
			m.follow = false
			m.tl.goTo(from + k)
			if f == n {
				m.searchMsg = fmt.Sprintf("frame %d", n)
			} else {
				m.searchMsg = fmt.Sprintf("no row of frame %d here; frame %d is the next", n, f)
			}
			return
		}
	}
	m.searchMsg = fmt.Sprintf("frame %d: no row at or after it", n)
}

// pairInfo is what the detail title says of the selected row's request or
// response, and the store row of its peer (-1 when not in the store).
type pairInfo struct {
	text string
	peer int
}

// pairOf finds row i's request/response peer. A response's pair names its
// request (frame, stream offset, direction); a request's pair is bare (its
// answer did not exist when it was recorded), so its response is the later
// row whose pair names it.
func (m *Model) pairOf(i int, rec *session.Record) pairInfo {
	p := m.st.Pair(i)
	if p == nil || rec == nil || rec.Message == nil {
		return pairInfo{peer: -1}
	}
	row := m.st.Row(i)
	rows := m.st.PairRows()
	if p.Role == session.RoleResponse {
		info := pairInfo{peer: -1, text: fmt.Sprintf("answers %s (frame %d) after %s", p.Request, p.Frame, latency(p))}
		for k := len(rows) - 1; k >= 0; k-- {
			j := rows[k]
			if j >= i {
				continue
			}
			r := m.st.Row(j)
			if r.Conn != row.Conn || uint64(r.Frame) != p.Frame || event.Dir(r.Dir) != p.Dir {
				continue
			}
			if q, err := m.st.Record(j, false); err == nil && q.Message != nil && q.Message.Offset == p.Offset {
				info.peer = j
				break
			}
		}
		return info
	}
	info := pairInfo{peer: -1, text: fmt.Sprintf("request %s: no answer captured", p.Request)}
	if p.Expect != "" {
		info.text = fmt.Sprintf("request %s: no %s captured", p.Request, p.Expect)
	}
	for _, j := range rows {
		if j <= i {
			continue
		}
		q := m.st.Pair(j)
		r := m.st.Row(j)
		if q == nil || q.Role != session.RoleResponse || r.Conn != row.Conn || q.Frame != uint64(row.Frame) ||
			q.Offset != rec.Message.Offset || q.Dir != rec.Message.Dir {
			continue
		}
		sum := m.st.Summary(j, false)
		if f := strings.Fields(sum); len(f) > 0 {
			sum = f[0]
		}
		info.peer = j
		info.text = fmt.Sprintf("answered by %s (frame %d) after %s", sum, r.Frame, latency(q))
		break
	}
	return info
}

// latency formats a pair's latency in milliseconds.
func latency(p *session.Pair) string {
	return strconv.FormatFloat(float64(p.Latency.Microseconds())/1000, 'f', 3, 64) + " ms"
}

// jumpPair moves to the selected row's request or response.
func (m *Model) jumpPair() {
	if m.pair.peer < 0 {
		if m.pair.text == "" {
			m.searchMsg = "not a request or a response"
		} else {
			m.searchMsg = m.pair.text
		}
		return
	}
	p, ok := m.tl.sel.position(m.pair.peer, m.st.Len())
	if !ok {
		m.searchMsg = "its peer is not in the selection (esc clears the filter)"
		return
	}
	m.follow = false
	m.tl.goTo(p)
}
