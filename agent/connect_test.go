package agent

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"

	"github.com/rtmpscope/rtmpscope/event"
)

// testPKI makes a CA, a server certificate for 127.0.0.1 and a client
// certificate, written as PEM files in dir.
type testPKI struct {
	caFile, certFile, keyFile string
	serverCert                tls.Certificate
	pool                      *x509.CertPool
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	dir := t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "rtmpscope test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(serial int64, cn string, usage x509.ExtKeyUsage, ips []net.IP) (certPEM, keyPEM []byte) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: ips}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kb, _ := x509.MarshalECPrivateKey(key)
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
	}
	p := &testPKI{caFile: filepath.Join(dir, "ca.pem"), certFile: filepath.Join(dir, "client.pem"), keyFile: filepath.Join(dir, "client.key")}
	os.WriteFile(p.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644)
	cc, ck := issue(2, "agent", x509.ExtKeyUsageClientAuth, nil)
	os.WriteFile(p.certFile, cc, 0o644)
	os.WriteFile(p.keyFile, ck, 0o600)
	sc, sk := issue(3, "broker", x509.ExtKeyUsageServerAuth, []net.IP{net.ParseIP("127.0.0.1")})
	p.serverCert, err = tls.X509KeyPair(sc, sk)
	if err != nil {
		t.Fatal(err)
	}
	p.pool = x509.NewCertPool()
	p.pool.AddCert(ca)
	return p
}

// startAuthServer starts an embedded JetStream server on 127.0.0.1 with
// the authentication and TLS options of o, and returns its port.
func startAuthServer(t *testing.T, o *server.Options) string {
	t.Helper()
	o.Host, o.Port, o.JetStream, o.StoreDir, o.NoLog, o.NoSigs = "127.0.0.1", -1, true, t.TempDir(), true, true
	s, err := server.NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	t.Cleanup(s.Shutdown)
	if !s.ReadyForConnections(30 * time.Second) {
		t.Fatal("server did not start")
	}
	return strconv.Itoa(s.Addr().(*net.TCPAddr).Port)
}

// TestConnectTLSAndAuth: a broker that wants TLS with a client certificate
// and a user and password takes an agent given --nats-tls-ca,
// --nats-tls-cert/--nats-tls-key and the user in the URL, and events get
// through; without the CA, or with a wrong password, connecting fails, and
// the error never shows the password.
func TestConnectTLSAndAuth(t *testing.T) {
	pki := newTestPKI(t)
	port := startAuthServer(t, &server.Options{
		Username: "agent", Password: "s3cr3t-pw",
		TLS: true, TLSVerify: true, TLSTimeout: 5,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{pki.serverCert}, ClientCAs: pki.pool,
			ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12},
	})
	good := ConnOptions{URL: "nats://agent:s3cr3t-pw@127.0.0.1:" + port, Name: "test",
		TLSCA: pki.caFile, TLSCert: pki.certFile, TLSKey: pki.keyFile}

	nc, err := Connect(good)
	if err != nil {
		t.Fatalf("connect with TLS and user: %v", err)
	}
	p, err := NewPublisher(context.Background(), nc, PublishOptions{Host: "tls", Stream: DefaultEventStream, Block: true})
	if err != nil {
		t.Fatal(err)
	}
	items := captureItems(t, "publish.pcap")
	for _, it := range items {
		p.Put(event.KindMessage, it.Media, it.Line, time.Time{})
	}
	st, err := p.Close(context.Background())
	if err != nil || st.Published != uint64(len(items)) {
		t.Errorf("published %d of %d over TLS: %v", st.Published, len(items), err)
	}
	nc.Close()

	noCA := good
	noCA.TLSCA = ""
	if _, err := Connect(noCA); err == nil {
		t.Error("connected without the CA that signs the broker's certificate")
	}
	badPW := good
	badPW.URL = "nats://agent:wrong-pw@127.0.0.1:" + port
	_, err = Connect(badPW)
	if err == nil {
		t.Fatal("connected with a wrong password")
	}
	if strings.Contains(err.Error(), "wrong-pw") {
		t.Errorf("the error shows the password: %v", err)
	}
	half := good
	half.TLSKey = ""
	if _, err := Connect(half); err == nil || !strings.Contains(err.Error(), "both") {
		t.Errorf("a certificate without its key: %v", err)
	}
}

// TestConnectNKey: a broker that knows users by NKey takes an agent given
// --nats-nkey with the user's seed file, and refuses one without it.
func TestConnectNKey(t *testing.T) {
	user, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := user.PublicKey()
	seed, _ := user.Seed()
	seedFile := filepath.Join(t.TempDir(), "user.nk")
	if err := os.WriteFile(seedFile, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	url := "nats://127.0.0.1:" + startAuthServer(t, &server.Options{Nkeys: []*server.NkeyUser{{Nkey: pub}}})
	nc, err := Connect(ConnOptions{URL: url, NKey: seedFile})
	if err != nil {
		t.Fatalf("connect with the NKey: %v", err)
	}
	p, err := NewPublisher(context.Background(), nc, PublishOptions{Host: "nk", Stream: DefaultEventStream, Block: true})
	if err != nil {
		t.Fatal(err)
	}
	items := captureItems(t, "publish.pcap")[:20]
	for _, it := range items {
		p.Put(event.KindMessage, it.Media, it.Line, time.Time{})
	}
	if st, err := p.Close(context.Background()); err != nil || st.Published != uint64(len(items)) {
		t.Errorf("published %d of %d: %v", st.Published, len(items), err)
	}
	nc.Close()
	if _, err := Connect(ConnOptions{URL: url}); err == nil {
		t.Error("connected without the NKey")
	}
	if _, err := Connect(ConnOptions{URL: url, NKey: filepath.Join(t.TempDir(), "missing.nk")}); err == nil {
		t.Error("connected with a missing seed file")
	}
}
