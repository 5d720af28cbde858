package event

import "time"

// RTMFPSession describes one RTMFP session (RFC 7016, Flash profile RFC
// 7425) found in a UDP flow: its handshake, as decoded with the default
// key, and, on the summary emitted when the flow closes, what its packets
// carried. It rides on a handshake event (Handshake.RTMFP); the RTMP
// fields of that Handshake are left zero.
type RTMFPSession struct {
	// InitiatorSessionID is the id the initiator chose in IIKeying (the
	// responder sends with it); ResponderSessionID the one in RIKeying.
	// Both are the four bytes as on the wire, read big-endian.
	InitiatorSessionID uint32 `json:"initiator_session_id"`
	ResponderSessionID uint32 `json:"responder_session_id"`

	// EPD is the endpoint discriminator of IHello: what the initiator
	// asked to reach.
	EPD RTMFPEPD `json:"epd"`
	// Tag is IHello's tag (hex), echoed in RHello.
	Tag string `json:"tag,omitempty"`
	// Cookie is RHello's cookie (hex), echoed in IIKeying.
	Cookie string `json:"cookie,omitempty"`
	// ResponderCert and InitiatorCert are the certificates of RHello and
	// IIKeying.
	ResponderCert *RTMFPCert `json:"responder_cert,omitempty"`
	InitiatorCert *RTMFPCert `json:"initiator_cert,omitempty"`
	// InitiatorKeying and ResponderKeying are the session key components
	// of IIKeying and RIKeying (their negotiation options; the
	// Diffie-Hellman public values are not repeated here).
	InitiatorKeying *RTMFPKeying `json:"initiator_keying,omitempty"`
	ResponderKeying *RTMFPKeying `json:"responder_keying,omitempty"`

	// The handshake's parts: how many were sent, and the frame and time of
	// the first of each.
	IHello       RTMFPPart `json:"ihello"`
	RHello       RTMFPPart `json:"rhello"`
	IIKeying     RTMFPPart `json:"iikeying"`
	RIKeying     RTMFPPart `json:"rikeying"`
	CookieChange RTMFPPart `json:"cookie_change"`
	Redirect     RTMFPPart `json:"redirect"`
	// RedirectTo lists the addresses a Responder Redirect offered.
	RedirectTo []string `json:"redirect_to,omitempty"`

	// HelloRTT is IHello to RHello; KeyingRTT IIKeying to RIKeying (first
	// of each). Zero when a part is missing.
	HelloRTT  time.Duration `json:"hello_rtt_ns,omitempty"`
	KeyingRTT time.Duration `json:"keying_rtt_ns,omitempty"`
	// Complete is true when RIKeying was seen for the IIKeying.
	Complete bool `json:"complete"`
	// Failure says why the handshake did not complete, when it did not.
	Failure string `json:"failure,omitempty"`

	// Integrity is how each direction's packets are protected, from the
	// keying components' negotiation: "checksum", "hmac", "checksum+sseq"
	// or "hmac+sseq" (index by Dir).
	Integrity [2]string `json:"integrity"`
	// Keyed is true when a line of the key file matched this session.
	Keyed bool `json:"keyed"`

	// Stats is set on the summary at the end of the session.
	Stats *RTMFPStats `json:"stats,omitempty"`
}

// RTMFPEPD is an endpoint discriminator (RFC 7425 §4.4.2).
type RTMFPEPD struct {
	// Hostname is the required hostname option, if any.
	Hostname string `json:"hostname,omitempty"`
	// Ancillary is the ancillary data option: Flash puts the URL here.
	Ancillary string `json:"ancillary,omitempty"`
	// Fingerprint is the required certificate fingerprint (hex): a peer id.
	Fingerprint string `json:"fingerprint,omitempty"`
}

// RTMFPCert is an RTMFP certificate (RFC 7425 §4.3) as far as it is public.
type RTMFPCert struct {
	// Fingerprint is the SHA-256 of the canonical part (hex): the peer id.
	Fingerprint string `json:"fingerprint"`
	Hostname    string `json:"hostname,omitempty"`
	// StaticDH is true when the certificate carries static Diffie-Hellman
	// public keys; else it lists the groups it supports for ephemeral ones.
	StaticDH bool  `json:"static_dh"`
	DHGroups []int `json:"dh_groups,omitempty"`
	// AcceptsAncillary is the "accepts ancillary data" option (servers).
	AcceptsAncillary bool `json:"accepts_ancillary"`
	Length           int  `json:"length"`
}

// RTMFPKeying is a session key component's negotiation options (RFC 7425
// §4.6.5): HMAC and session sequence number flags, 4 = will send always,
// 2 = will send on request, 1 = request.
type RTMFPKeying struct {
	DHGroup    int  `json:"dh_group"`
	HMACFlags  int  `json:"hmac_flags"`
	HMACLength int  `json:"hmac_length,omitempty"`
	SSeqFlags  int  `json:"sseq_flags"`
	Length     int  `json:"length"`
	HasHMAC    bool `json:"has_hmac_option"`
	HasSSeq    bool `json:"has_sseq_option"`
}

// RTMFPPart is one kind of handshake packet: how many, and the first.
type RTMFPPart struct {
	Count int       `json:"count"`
	Frame uint64    `json:"frame,omitempty"`
	Time  time.Time `json:"time,omitzero"`
}

// RTMFPStats is what a session's packets carried, counted when it ends.
type RTMFPStats struct {
	Packets   [2]uint64 `json:"packets"`   // datagrams of the session, per direction
	Bytes     [2]int64  `json:"bytes"`     // their UDP payload bytes
	Decrypted [2]uint64 `json:"decrypted"` // that decrypted and verified
	// Undecryptable counts packets that did not verify with the keys
	// (wrong keys, corruption, or no keys at all).
	Undecryptable [2]uint64 `json:"undecryptable"`
	Chunks        [2]uint64 `json:"chunks"`
	UnknownChunks [2]uint64 `json:"unknown_chunks"`
	Pings         [2]uint64 `json:"pings"`
	PingReplies   [2]uint64 `json:"ping_replies"`
	UserData      [2]uint64 `json:"user_data"` // user data fragments
	Acks          [2]uint64 `json:"acks"`
	Flows         [2]int    `json:"flows"`    // flows opened per direction
	Messages      [2]int    `json:"messages"` // complete flow messages
	// FlowList describes each flow, by direction then flow id.
	FlowList []RTMFPFlow `json:"flow_list,omitempty"`
	// RTT from the echoed 4 ms header timestamps (RFC 7016 §3.5.2.2),
	// measured at the capture point (smallest and last seen).
	RTTMin     time.Duration `json:"rtt_min_ns,omitempty"`
	RTTLast    time.Duration `json:"rtt_last_ns,omitempty"`
	RTTSamples int           `json:"rtt_samples"`
	// CloseBy is the direction that sent Session Close Request first, and
	// CloseAcked whether it was acknowledged.
	Closed     bool `json:"closed"`
	CloseBy    Dir  `json:"close_by"`
	CloseAcked bool `json:"close_acked"`
}

// RTMFPFlow is one flow of a session (RFC 7016 §3.6) with its RFC 7425
// metadata: which RTMP message stream its messages belong to.
type RTMFPFlow struct {
	Dir  Dir    `json:"dir"`
	ID   uint64 `json:"id"`
	TC   bool   `json:"tc"` // RFC 7425 metadata ("TC", flags, stream id) was seen
	MSID uint32 `json:"msid"`
	// NetworkOrder is the receive intent "network order" (media to be
	// played as it arrives), else original order.
	NetworkOrder bool `json:"network_order,omitempty"`
	// ReturnFlow is the flow of the other direction this one answers.
	ReturnFlow    uint64 `json:"return_flow,omitempty"`
	HasReturnFlow bool   `json:"has_return_flow,omitempty"`
	Messages      int    `json:"messages"`
	Fragments     uint64 `json:"fragments"`
	Duplicates    int    `json:"duplicates"` // retransmitted fragments
	Missing       uint64 `json:"missing"`    // sequence numbers never seen
	Fin           bool   `json:"fin"`        // the sender ended the flow
}
