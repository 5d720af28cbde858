package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Server serves a Sink's registry on /metrics (Prometheus text, or
// OpenMetrics when the scraper asks for it).
type Server struct {
	srv  *http.Server
	addr net.Addr
	done chan error
}

// Listen starts serving s on addr ("127.0.0.1:9464", ":0" for any free
// port); Addr says where.
func Listen(addr string, s *Sink) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(s.Registry(), promhttp.HandlerOpts{
		EnableOpenMetrics: true,
		// A scrape that fails says so in its body rather than serving a
		// partial page.
		ErrorHandling: promhttp.HTTPErrorOnError,
	}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintln(w, "rtmpscope metrics: /metrics")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	sv := &Server{srv: srv, addr: ln.Addr(), done: make(chan error, 1)}
	go func() {
		err := srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		sv.done <- err
	}()
	return sv, nil
}

// Addr is the address served.
func (sv *Server) Addr() net.Addr { return sv.addr }

// Close stops serving, letting scrapes under way finish for a moment.
func (sv *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := sv.srv.Shutdown(ctx)
	if e := <-sv.done; err == nil {
		err = e
	}
	return err
}
