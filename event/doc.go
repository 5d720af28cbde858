// Package event is rtmpscope's data model: the events every protocol handler
// emits and every sink consumes (DESIGN.md §3). It knows nothing of TCP,
// UDP or how bytes were reassembled: a connection is an identity (two
// endpoints, a transport, a variant, an id) and a direction; a message is an
// RTMP message with the stream offsets and frames it came from, whatever
// layers (TLS, HTTP tunnel, RTMPE, RTMFP flows) it was peeled out of.
//
// The closed sets of the model (directions, variants, transports, how a
// connection was oriented, gap reasons, severities, message types) are typed
// enums with text marshalling; their names are the ones every output uses.
package event
