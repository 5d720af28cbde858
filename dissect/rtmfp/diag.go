package rtmfp

import "github.com/rtmpscope/rtmpscope/event"

// Diagnostic codes. They are stable and documented in docs/diagnostics.md.
const (
	// CodeEncrypted: a session's packets could not be read because no key
	// line matched it; only the handshake and counts are shown.
	CodeEncrypted = "rtmfp.encrypted"
	// CodeKeysUnmatched: keys were given but none matched the session.
	CodeKeysUnmatched = "rtmfp.keys_unmatched"
	// CodeDecryptFailed: packets of a keyed session did not verify.
	CodeDecryptFailed = "rtmfp.decrypt_failed"
	// CodeBadPacket: a datagram of an RTMFP flow is not an RTMFP packet
	// of any known session (too short, misaligned, unknown session id).
	CodeBadPacket = "rtmfp.bad_packet"
	// CodeHandshakeIncomplete: a handshake never reached RIKeying.
	CodeHandshakeIncomplete = "rtmfp.handshake_incomplete"
	// CodeHandshakeRetransmit: IHello or IIKeying was sent again.
	CodeHandshakeRetransmit = "rtmfp.handshake_retransmit"
	// CodeHandshakeMalformed: a handshake chunk's fields do not parse.
	CodeHandshakeMalformed = "rtmfp.handshake_malformed"
	// CodeCookieChange: the responder replaced the initiator's cookie.
	CodeCookieChange = "rtmfp.cookie_change"
	// CodeRedirect: the responder sent the initiator elsewhere.
	CodeRedirect = "rtmfp.redirect"
	// CodeChunkMalformed: a session chunk's fields do not parse, or a
	// chunk claims more bytes than its packet has.
	CodeChunkMalformed = "rtmfp.chunk_malformed"
	// CodeChunkUnknown: a chunk type outside RFC 7016 (shown, skipped).
	CodeChunkUnknown = "rtmfp.chunk_unknown"
	// CodeFlowGap: fragments of a flow were never seen; their message
	// was dropped.
	CodeFlowGap = "rtmfp.flow_gap"
	// CodeFlowMidStream: a flow's first fragments were before the capture.
	CodeFlowMidStream = "rtmfp.flow_midstream"
	// CodeFlowAbandoned: the sender abandoned a partly sent message.
	CodeFlowAbandoned = "rtmfp.flow_abandoned"
	// CodeFlowNotTC: a flow's metadata is not RFC 7425's; its messages
	// are counted, not decoded as RTMP.
	CodeFlowNotTC = "rtmfp.flow_not_tc"
	// CodeFlowException: a receiver rejected a flow.
	CodeFlowException = "rtmfp.flow_exception"
	// CodeMessageMalformed: a flow message is shorter than its 5-byte
	// type and timestamp header.
	CodeMessageMalformed = "rtmfp.message_malformed"
	// CodeMessageTooLarge: a flow message grew past the size limit.
	CodeMessageTooLarge = "rtmfp.message_too_large"
	// CodeSessionClose: a session close request and whether it was
	// acknowledged.
	CodeSessionClose = "rtmfp.session_close"
)

// Codes lists every diagnostic code with its severity, for the docs test.
var Codes = map[string]event.Severity{
	CodeEncrypted:           event.Info,
	CodeKeysUnmatched:       event.Warn,
	CodeDecryptFailed:       event.Warn,
	CodeBadPacket:           event.Warn,
	CodeHandshakeIncomplete: event.Warn,
	CodeHandshakeRetransmit: event.Info,
	CodeHandshakeMalformed:  event.Error,
	CodeCookieChange:        event.Info,
	CodeRedirect:            event.Info,
	CodeChunkMalformed:      event.Warn,
	CodeChunkUnknown:        event.Info,
	CodeFlowGap:             event.Warn,
	CodeFlowMidStream:       event.Info,
	CodeFlowAbandoned:       event.Info,
	CodeFlowNotTC:           event.Info,
	CodeFlowException:       event.Info,
	CodeMessageMalformed:    event.Warn,
	CodeMessageTooLarge:     event.Warn,
	CodeSessionClose:        event.Info,
}
