// Command rtmpt-gateway is a small RTMPT server for rtmpscope's test
// captures: no installable server speaks RTMPT, so this gateway accepts
// RTMPT (RTMP tunnelled in HTTP POSTs) and bridges each session to a
// plain RTMP server (nginx-rtmp) over one TCP connection. The capture then
// holds the tunnelled session and the same session's plain RTMP bytes
// (the upstream leg), which tests compare.
//
// Usage: rtmpt-gateway -listen 127.0.0.1:18080 -upstream 127.0.0.1:19350
//
// Protocol (as Flash Media Server speaks it):
//
//	POST /fcs/ident2          answered 404 (FMS does; clients then go on)
//	POST /open/1              response body: the session id and "\n"
//	POST /send/<id>/<seq>     body: client->server RTMP bytes
//	POST /idle/<id>/<seq>     poll for server->client bytes
//	POST /close/<id>/<seq>    end the session
//
// Every response to send/idle/close is one polling-interval byte followed
// by the server->client bytes gathered since the last response. The
// interval byte starts at 1 and grows (to 0x21 at most) while polls find
// nothing, as FMS does, and drops back to 1 when data flows. Requests for
// an unknown session are answered 404; a session with no request for
// -session-timeout is closed. It binds only the address given.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"flag"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

type session struct {
	id       string
	up       net.Conn
	mu       sync.Mutex
	buf      []byte
	eof      bool
	notify   chan struct{} // signalled when buf grows or upstream ends
	interval byte
	nextSeq  int
	last     time.Time // time of the last request (under mu)
}

type gateway struct {
	upstream string
	idleWait time.Duration
	sendWait time.Duration
	mu       sync.Mutex
	sessions map[string]*session
	logReq   bool
	timeout  time.Duration
}

// reap closes sessions that saw no request for g.timeout, as FMS does:
// clients stopped by a signal (rtmpdump, gst-launch) never send /close,
// and their upstream connection would otherwise live on.
func (g *gateway) reap() {
	for range time.Tick(g.timeout / 4) {
		g.mu.Lock()
		for id, s := range g.sessions {
			s.mu.Lock()
			idle := time.Since(s.last)
			s.mu.Unlock()
			if idle > g.timeout {
				if g.logReq {
					log.Printf("session %s: no request for %v, closed", id, idle.Round(time.Millisecond))
				}
				s.up.Close()
				delete(g.sessions, id)
			}
		}
		g.mu.Unlock()
	}
}

func (s *session) reader() {
	b := make([]byte, 64<<10)
	for {
		n, err := s.up.Read(b)
		s.mu.Lock()
		s.buf = append(s.buf, b[:n]...)
		if err != nil {
			s.eof = true
		}
		s.mu.Unlock()
		select {
		case s.notify <- struct{}{}:
		default:
		}
		if err != nil {
			return
		}
	}
}

// take waits up to d for server bytes (returning at once when some are
// there) and takes everything gathered.
func (s *session) take(d time.Duration) []byte {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if len(s.buf) > 0 || s.eof {
			out := s.buf
			s.buf = nil
			s.mu.Unlock()
			return out
		}
		s.mu.Unlock()
		select {
		case <-s.notify:
		case <-deadline.C:
			return nil
		}
	}
}

func (s *session) reply(w http.ResponseWriter, data []byte) {
	if len(data) > 0 {
		s.interval = 1
	} else if s.interval < 0x21 {
		s.interval += 4
		if s.interval > 0x21 {
			s.interval = 0x21
		}
	}
	body := append([]byte{s.interval}, data...)
	writeFCS(w, http.StatusOK, body)
}

func writeFCS(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/x-fcs")
	h.Set("Cache-Control", "no-cache")
	h.Set("Server", "rtmpt-gateway")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	if g.logReq {
		log.Printf("%s %s (%d bytes)", r.Method, r.URL.Path, len(body))
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if r.Method != http.MethodPost || len(parts) == 0 {
		writeFCS(w, http.StatusNotFound, nil)
		return
	}
	switch parts[0] {
	case "open":
		up, err := net.Dial("tcp", g.upstream)
		if err != nil {
			writeFCS(w, http.StatusBadGateway, nil)
			return
		}
		idb := make([]byte, 8)
		rand.Read(idb)
		s := &session{id: hex.EncodeToString(idb), up: up, notify: make(chan struct{}, 1), interval: 1, last: time.Now()}
		g.mu.Lock()
		g.sessions[s.id] = s
		g.mu.Unlock()
		go s.reader()
		writeFCS(w, http.StatusOK, []byte(s.id+"\n"))
		return
	case "send", "idle", "close":
	default:
		writeFCS(w, http.StatusNotFound, nil)
		return
	}
	if len(parts) < 3 {
		writeFCS(w, http.StatusNotFound, nil)
		return
	}
	g.mu.Lock()
	s := g.sessions[parts[1]]
	g.mu.Unlock()
	if s == nil {
		writeFCS(w, http.StatusNotFound, nil)
		return
	}
	s.mu.Lock()
	s.last = time.Now()
	seq, _ := strconv.Atoi(parts[2])
	if seq != s.nextSeq && g.logReq {
		log.Printf("session %s: seq %d, expected %d", s.id, seq, s.nextSeq)
	}
	s.nextSeq = seq + 1
	s.mu.Unlock()
	switch parts[0] {
	case "send":
		if _, err := s.up.Write(body); err != nil {
			writeFCS(w, http.StatusInternalServerError, nil)
			return
		}
		s.reply(w, s.take(g.sendWait))
	case "idle":
		s.reply(w, s.take(g.idleWait))
	case "close":
		// Half-close towards the server and give it a moment to finish,
		// so that every byte it sent reaches the client: the tunnelled
		// bytes then equal the upstream leg's exactly.
		if tc, ok := s.up.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
		var rest []byte
		deadline := time.Now().Add(500 * time.Millisecond)
		for time.Now().Before(deadline) {
			rest = append(rest, s.take(50*time.Millisecond)...)
			s.mu.Lock()
			done := s.eof && len(s.buf) == 0
			s.mu.Unlock()
			if done {
				break
			}
		}
		s.up.Close()
		g.mu.Lock()
		delete(g.sessions, s.id)
		g.mu.Unlock()
		s.reply(w, rest)
	}
}

func main() {
	listen := flag.String("listen", "127.0.0.1:18080", "address to accept RTMPT on")
	upstream := flag.String("upstream", "127.0.0.1:19350", "plain RTMP server to bridge to")
	idle := flag.Duration("idle-wait", 100*time.Millisecond, "how long an idle poll waits for server bytes")
	send := flag.Duration("send-wait", 5*time.Millisecond, "how long a send waits for server bytes")
	verbose := flag.Bool("v", false, "log every request")
	timeout := flag.Duration("session-timeout", 1500*time.Millisecond, "close a session after this long without a request")
	flag.Parse()
	g := &gateway{upstream: *upstream, idleWait: *idle, sendWait: *send, sessions: map[string]*session{}, logReq: *verbose, timeout: *timeout}
	go g.reap()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("rtmpt-gateway listening on %s, upstream %s", ln.Addr(), *upstream)
	srv := &http.Server{Handler: g}
	log.Fatal(srv.Serve(ln))
}
