package agent

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

// ConnOptions say how to reach the broker. User and password, or a token,
// go in the URL as nats.go takes them (nats://user:pass@host:4222,
// nats://token@host:4222); several URLs separated by commas name the
// members of a cluster.
type ConnOptions struct {
	URL string
	// Name is the client name the server shows (nats server report
	// connections).
	Name string
	// Creds is a NATS credentials file (a user JWT and its NKey seed, as
	// `nsc` writes them); NKey is an NKey seed file instead.
	Creds, NKey string
	// TLSCA is a PEM file of the CAs that sign the server's certificate;
	// TLSCert and TLSKey are the client's certificate and key for mutual
	// TLS. Any of them turns TLS on (so does a tls:// URL).
	TLSCA, TLSCert, TLSKey string
	// ReconnectWait is the pause between reconnection attempts (2s when 0).
	ReconnectWait time.Duration
	// RetryFirst keeps trying when the broker is not there at start (an
	// agent should capture anyway); otherwise Connect fails at once.
	RetryFirst bool
	// Log, when set, is told of disconnections and reconnections.
	Log func(format string, a ...any)
}

// Connect dials the broker. The connection reconnects for ever; it keeps
// no reconnect buffer of its own (the Publisher's queue is the one bounded
// buffer, and a publish during an outage fails at once so that the
// Publisher retries it).
func Connect(o ConnOptions) (*nats.Conn, error) {
	if o.URL == "" {
		return nil, errors.New("no NATS URL")
	}
	if !strings.Contains(o.URL, "://") {
		return nil, fmt.Errorf("%s: give a URL such as nats://HOST:4222", o.URL)
	}
	wait := o.ReconnectWait
	if wait <= 0 {
		wait = 2 * time.Second
	}
	opts := []nats.Option{
		nats.Name(o.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(wait),
		nats.ReconnectBufSize(-1),
		nats.RetryOnFailedConnect(o.RetryFirst),
	}
	if o.Creds != "" {
		opts = append(opts, nats.UserCredentials(o.Creds))
	}
	if o.NKey != "" {
		opt, err := nats.NkeyOptionFromSeed(o.NKey)
		if err != nil {
			return nil, fmt.Errorf("--nats-nkey %s: %w", o.NKey, err)
		}
		opts = append(opts, opt)
	}
	if o.TLSCA != "" {
		opts = append(opts, nats.RootCAs(o.TLSCA))
	}
	if (o.TLSCert == "") != (o.TLSKey == "") {
		return nil, errors.New("give both the client certificate and its key for mutual TLS")
	}
	if o.TLSCert != "" {
		opts = append(opts, nats.ClientCert(o.TLSCert, o.TLSKey))
	}
	if o.Log != nil {
		log := o.Log
		opts = append(opts,
			nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
				if err != nil {
					log("disconnected from the broker: %v; reconnecting", err)
				}
			}),
			nats.ReconnectHandler(func(c *nats.Conn) { log("reconnected to %s", c.ConnectedUrlRedacted()) }),
		)
	}
	nc, err := nats.Connect(o.URL, opts...)
	if errors.Is(err, nats.ErrNoServers) {
		return nil, fmt.Errorf("connect to %s: %w (is a nats-server with JetStream running there? docs/deploying.md)", redactURL(o.URL), err)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", redactURL(o.URL), err)
	}
	return nc, nil
}

// redactURL hides a password or token in a URL before it is printed.
func redactURL(u string) string {
	var out []string
	for _, one := range strings.Split(u, ",") {
		scheme, rest, ok := strings.Cut(one, "://")
		if at := strings.LastIndex(rest, "@"); ok && at >= 0 {
			one = scheme + "://****@" + rest[at+1:]
		}
		out = append(out, one)
	}
	return strings.Join(out, ",")
}
