// Package flv writes and reads FLV files (Adobe FLV v10.1, Annex E), so a
// published or played RTMP stream can be saved and opened by ffprobe,
// ffplay or any FLV-aware tool. Enhanced RTMP tag bodies are written exactly
// as they appear on the wire, which is how Enhanced FLV stores them.
package flv

// Tag types.
const (
	TagAudio  uint8 = 8
	TagVideo  uint8 = 9
	TagScript uint8 = 18
)

// Header flags.
const (
	FlagAudio uint8 = 0x04
	FlagVideo uint8 = 0x01
)

// HeaderSize is the size of the FLV file header (version 1).
const HeaderSize = 9

// TagHeaderSize is the size of the header preceding each tag body.
const TagHeaderSize = 11

// MaxBodySize is the largest body the 24-bit DataSize field can describe.
const MaxBodySize = 1<<24 - 1
