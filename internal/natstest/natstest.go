// Package natstest starts real NATS servers with JetStream for tests: the
// nats-server code embedded in the test process, or Debian's nats-server
// binary as a separate process. Both listen on 127.0.0.1 only, keep their
// store in a directory the test owns, and can be stopped and started again
// on the same port and store (a broker restart).
package natstest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Server is a NATS server a test can stop and start again.
type Server interface {
	// URL is nats://127.0.0.1:PORT, the same across restarts.
	URL() string
	// Stop shuts it down (its store stays).
	Stop()
	// Start starts it again on the same port and store.
	Start(t testing.TB)
	// Name says which kind it is, for test names.
	Name() string
}

// Kinds returns the servers a test should run against: the embedded one
// always, Debian's binary when installed (else a log line says why not).
func Kinds(t testing.TB) []func(testing.TB) Server {
	kinds := []func(testing.TB) Server{func(t testing.TB) Server { return Embedded(t) }}
	if _, err := exec.LookPath("nats-server"); err == nil {
		kinds = append(kinds, func(t testing.TB) Server { return Binary(t) })
	} else {
		t.Logf("nats-server binary not installed (apt-get install nats-server): testing the embedded server only")
	}
	return kinds
}

// freePort asks the kernel for a free port on 127.0.0.1.
func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type embedded struct {
	port  int
	store string
	s     *server.Server
}

// Embedded starts the nats-server code in this process; the test's
// cleanup stops it.
func Embedded(t testing.TB) Server {
	e := &embedded{port: freePort(t), store: t.TempDir()}
	e.Start(t)
	t.Cleanup(e.Stop)
	return e
}

func (e *embedded) Name() string { return "embedded" }
func (e *embedded) URL() string  { return "nats://127.0.0.1:" + strconv.Itoa(e.port) }

func (e *embedded) Start(t testing.TB) {
	s, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: e.port, JetStream: true, StoreDir: e.store,
		NoLog: true, NoSigs: true,
	})
	if err != nil {
		t.Fatalf("nats server: %v", err)
	}
	go s.Start()
	if !s.ReadyForConnections(30 * time.Second) {
		t.Fatalf("nats server on port %d did not start", e.port)
	}
	e.s = s
}

func (e *embedded) Stop() {
	if e.s != nil {
		e.s.Shutdown()
		e.s.WaitForShutdown()
		e.s = nil
	}
}

type binary struct {
	port  int
	store string
	cmd   *exec.Cmd
	log   string
}

// Binary starts Debian's nats-server (the caller checked it is installed,
// see Kinds) as a separate process.
func Binary(t testing.TB) Server {
	dir := t.TempDir()
	b := &binary{port: freePort(t), store: filepath.Join(dir, "store"), log: filepath.Join(dir, "nats-server.log")}
	b.Start(t)
	t.Cleanup(b.Stop)
	return b
}

func (b *binary) Name() string { return "binary" }
func (b *binary) URL() string  { return "nats://127.0.0.1:" + strconv.Itoa(b.port) }

func (b *binary) Start(t testing.TB) {
	log, err := os.OpenFile(b.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("nats-server", "-a", "127.0.0.1", "-p", strconv.Itoa(b.port), "-js", "-sd", b.store)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		t.Fatalf("nats-server: %v", err)
	}
	log.Close()
	b.cmd = cmd
	if err := waitJetStream(b.URL()); err != nil {
		out, _ := os.ReadFile(b.log)
		b.Stop()
		t.Fatalf("nats-server on port %d: %v\n%s", b.port, err, out)
	}
}

func (b *binary) Stop() {
	if b.cmd != nil {
		b.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { b.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			b.cmd.Process.Kill()
			<-done
		}
		b.cmd = nil
	}
}

// waitJetStream waits until the server answers JetStream requests.
func waitJetStream(url string) error {
	deadline := time.Now().Add(30 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		nc, err := nats.Connect(url, nats.Timeout(time.Second))
		if err == nil {
			_, err = nc.Request("$JS.API.INFO", nil, 2*time.Second)
			nc.Close()
			if err == nil {
				return nil
			}
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("not ready: %w", last)
}
