package tree

import "github.com/rtmpscope/rtmpscope/dissect/media"

// Names of NAL unit and OBU types, for listing the units of a coded frame.
// Only the types that show up in RTMP streams are named; the rest print as
// their number.

// H.264 nal_unit_type (ITU-T H.264 Table 7-1).
var h264NALNames = map[uint8]string{
	1: "non-IDR slice", 2: "slice data A", 3: "slice data B", 4: "slice data C", 5: "IDR slice",
	6: "SEI", 7: "SPS", 8: "PPS", 9: "access unit delimiter", 10: "end of sequence",
	11: "end of stream", 12: "filler", 13: "SPS extension", 14: "prefix NAL", 15: "subset SPS",
	19: "auxiliary slice", 20: "slice extension",
}

// H.265 nal_unit_type (ITU-T H.265 Table 7-1).
var hevcNALNames = map[uint8]string{
	0: "TRAIL_N", 1: "TRAIL_R", 2: "TSA_N", 3: "TSA_R", 4: "STSA_N", 5: "STSA_R",
	6: "RADL_N", 7: "RADL_R", 8: "RASL_N", 9: "RASL_R",
	16: "BLA_W_LP", 17: "BLA_W_RADL", 18: "BLA_N_LP", 19: "IDR_W_RADL", 20: "IDR_N_LP", 21: "CRA",
	32: "VPS", 33: "SPS", 34: "PPS", 35: "access unit delimiter", 36: "end of sequence",
	37: "end of bitstream", 38: "filler", 39: "prefix SEI", 40: "suffix SEI",
}

// H.266 nal_unit_type (ITU-T H.266 Table 5).
var vvcNALNames = map[uint8]string{
	0: "TRAIL", 1: "STSA", 2: "RADL", 3: "RASL", 7: "IDR_W_RADL", 8: "IDR_N_LP", 9: "CRA", 10: "GDR",
	12: "OPI", 13: "DCI", 14: "VPS", 15: "SPS", 16: "PPS", 17: "prefix APS", 18: "suffix APS",
	19: "PH", 20: "access unit delimiter", 21: "end of sequence", 22: "end of bitstream",
	23: "prefix SEI", 24: "suffix SEI", 25: "filler",
}

// AV1 obu_type (AV1 spec 6.2.2).
var obuNames = map[uint8]string{
	1: "sequence header", 2: "temporal delimiter", 3: "frame header", 4: "tile group",
	5: "metadata", 6: "frame", 7: "redundant frame header", 8: "tile list", 15: "padding",
}

func lookup(m map[uint8]string, t uint8) string {
	if n, ok := m[t]; ok {
		return n
	}
	return "reserved/unspecified"
}

// nalName returns the namer for a codec's NAL unit types.
func nalName(f media.FourCC) func(uint8) string {
	switch f {
	case media.FourCCHEVC:
		return hevcNALName
	case media.FourCCVVC:
		return func(t uint8) string { return lookup(vvcNALNames, t) }
	}
	return func(t uint8) string { return lookup(h264NALNames, t) }
}

func hevcNALName(t uint8) string { return lookup(hevcNALNames, t) }

func obuName(t uint8) string { return lookup(obuNames, t) }
