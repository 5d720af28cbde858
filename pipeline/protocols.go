package pipeline

import (
	"github.com/rtmpscope/rtmpscope/dissect"
	"github.com/rtmpscope/rtmpscope/dissect/rtmfp"
	"github.com/rtmpscope/rtmpscope/dissect/rtmpe"
	"github.com/rtmpscope/rtmpscope/dissect/rtmpt"
	"github.com/rtmpscope/rtmpscope/dissect/tlsrec"
	"github.com/rtmpscope/rtmpscope/flow"
)

// Keys are the secrets that let the encrypted variants be dissected; nil
// fields mean the variant is reported without its content.
type Keys struct {
	TLS   tlsrec.Options // --tls-keylog (and pcapng secrets), --tls-key
	RTMPE *rtmpe.Keys    // --rtmpe-keys
	RTMFP *rtmfp.KeyLog  // --rtmfp-keys
}

// Protocols is the registry of protocol handlers, in the order their
// sniffers are asked: the first whose sniffer says Yes gets the flow.
// Adding a protocol is one line here (docs/architecture.md). Outer layers
// (TLS, the HTTP tunnel, RTMPE) come before plain RTMP, whose port rule is
// only a weak hint.
func Protocols(cfg *Config) []flow.Protocol {
	return []flow.Protocol{
		tlsrec.Protocol(cfg.Keys.TLS),                       // RTMPS, RTMPTS: TLS, decrypted with a key log
		rtmpt.Protocol(rtmpt.Options{}),                     // RTMPT, RTMPTE: RTMP tunnelled in HTTP, sessions across connections
		rtmpe.Protocol(rtmpe.Options{Keys: cfg.Keys.RTMPE}), // RTMPE: C0 = 6/8, RC4 with keys
		dissect.Protocol(cfg.Dissect),                       // RTMP over TCP: handshake, chunks, messages
		rtmfp.Protocol(rtmfp.Options{Keys: cfg.Keys.RTMFP}), // RTMFP over UDP
	}
}
