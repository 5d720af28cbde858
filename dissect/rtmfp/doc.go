// Package rtmfp dissects RTMFP (RFC 7016) as Flash uses it (RFC 7425): it
// finds sessions in UDP flows by decrypting their first datagrams with the
// well-known default key, decodes the handshake, and — given the session
// keys in a key file, because the keys come from a Diffie-Hellman
// exchange a passive observer cannot repeat — decrypts the session's
// packets, reassembles its flows and hands the RTMP messages they carry to
// the same session layer as RTMP over TCP.
//
// Layers, one per file: vlu.go (the variable-length numbers and options
// every layer uses), checksum.go and packet.go (session id, AES-CBC,
// checksum or HMAC and session sequence numbers), chunk.go (the chunk
// list of a packet), handshake.go and session.go (the chunks' fields),
// reassembly.go (flows to messages), tc.go (RFC 7425 flow metadata and
// messages), keys.go (the key file), sniff.go and handler.go (the flow
// router's seam) and diag.go (the diagnostic codes).
//
// Events: a handshake event (Handshake.RTMFP) when a session's RIKeying is
// seen, and another with Stats when the flow closes; a message event per
// RTMP message a flow carries, with CSID the flow id, Offset the sequence
// number of its first fragment, ChunkCount its fragments and MSID the
// stream id of the flow's metadata; diagnostics with rtmfp.* codes.
package rtmfp
