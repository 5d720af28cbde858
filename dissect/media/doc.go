// Package media decodes the bodies of RTMP audio (type 8) and video (type 9)
// messages, which are FLV audio/video tag bodies: the legacy FLV v10.1
// layouts (Annex E), the non-standard codec ids 12 (HEVC) and 13 (AV1) that
// some servers emit, and Enhanced RTMP v1/v2 (FourCC, ModEx, multitrack).
// It also decodes the codec configuration records a person debugging a
// stream wants to see (AudioSpecificConfig, avcC with its SPS, hvcC with its
// SPS, av1C, vpcC, vvcC, OpusHead, FLAC STREAMINFO), aggregate messages
// (type 22), and accumulates bounded per-stream statistics.
//
// Decoders never panic and never trust a length before checking the buffer.
// On bad input they return what they decoded so far together with an *Error
// that carries the byte offset (relative to the start of the message body)
// and wraps one of the sentinels ErrTruncated, ErrInvalid or ErrUnsupported.
package media
