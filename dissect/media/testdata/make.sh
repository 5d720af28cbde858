#!/bin/sh
# Regenerates the media test vectors with Debian's ffmpeg (5.1) and records
# ffprobe's view of every file next to it. Tests assert the decoders against
# the *.probe.json files, never against numbers typed by hand.
#
# Legacy FLV tags come straight from ffmpeg's FLV muxer. Enhanced RTMP
# codec configuration records (hvcC, av1C, vpcC, OpusHead, STREAMINFO) come
# from MP4/Ogg/FLAC files written by real encoders; the tests wrap them in
# E-RTMP tags built from the spec layout because ffmpeg 5.1 cannot write
# E-RTMP.
set -eu
cd "$(dirname "$0")"

FF="ffmpeg -hide_banner -loglevel error -y -bitexact"
V="-f lavfi -i testsrc2=rate=25"
A44="-f lavfi -i sine=f=440:sample_rate=44100"
A8="-f lavfi -i sine=f=440:sample_rate=8000"
T="-t 0.4"

probe() {
	ffprobe -v error -show_streams -show_format -of json "$1" |
		jq '{format: {format_name: .format.format_name, duration: .format.duration},
		     streams: [.streams[] | {codec_type, codec_name, profile, level, width, height,
		       pix_fmt, r_frame_rate, sample_rate, channels, channel_layout, bits_per_raw_sample,
		       bits_per_sample}]}' >"$1.probe.json"
}

# H.264 Main + AAC LC stereo 44.1 kHz.
$FF $V:size=320x240 $A44 -ac 2 $T -c:v libx264 -profile:v main -preset fast -crf 40 -g 5 -bf 2 -c:a aac -b:a 64k avc_main_aac.flv
# H.264 High, odd size that needs frame cropping, + MP3.
$FF $V:size=322x182 $A44 -ac 2 $T -c:v libx264 -profile:v high -preset fast -crf 40 -g 10 -c:a libmp3lame -b:a 64k avc_high_crop_mp3.flv
# H.264 Baseline + Nellymoser 8 kHz mono (FLV SoundFormat 5).
$FF $V:size=176x144 $A8 -ac 1 $T -c:v libx264 -profile:v baseline -preset ultrafast -crf 40 -c:a nellymoser avc_baseline_nelly8k.flv
# H.264 High 10 and High 4:4:4 Predictive: chroma_format_idc and bit depth fields of the SPS.
$FF $V:size=160x120 $T -c:v libx264 -profile:v high10 -pix_fmt yuv420p10le -preset ultrafast -crf 40 avc_high10.flv
$FF $V:size=160x120 $T -c:v libx264 -profile:v high444 -pix_fmt yuv444p -preset ultrafast -crf 40 avc_high444.flv
# AAC Main profile, mono 22.05 kHz.
$FF $A44 -ar 22050 -ac 1 $T -c:a aac -profile:a aac_main aac_main_mono.flv
# Nellymoser at 22.05 kHz (SoundFormat 6).
$FF $A44 -ar 22050 -ac 1 $T -c:a nellymoser nelly22k.flv
# Sorenson H.263 + G.711 A-law.
$FF $V:size=176x144 $A8 -ac 1 $T -c:v flv1 -q:v 25 -c:a pcm_alaw flv1_alaw.flv
# Sorenson H.263 with a custom size + ADPCM.
$FF $V:size=200x150 $A44 -ar 22050 -ac 2 $T -c:v flv1 -q:v 25 -c:a adpcm_swf flv1_adpcm.flv
# Screen video + G.711 mu-law.
$FF $V:size=96x64 $A8 -ac 1 -t 0.2 -c:v flashsv -c:a pcm_mulaw flashsv_mulaw.flv
# Speex (FLV requires 16 kHz mono).
$FF $A44 -ar 16000 -ac 1 $T -c:a libspeex speex.flv
# Linear PCM little endian 16-bit.
$FF $A44 -ar 11025 -ac 1 -t 0.2 -c:a pcm_s16le pcm_s16le.flv

# Sources of Enhanced RTMP configuration records.
$FF $V:size=322x182 $T -c:v libx265 -preset ultrafast -x265-params log-level=error -tag:v hvc1 hevc.mp4
$FF $V:size=160x120 -t 0.2 -c:v libaom-av1 -cpu-used 8 -row-mt 1 av1.mp4
$FF $V:size=160x120 -t 0.2 -c:v libvpx-vp9 -deadline realtime -cpu-used 8 vp9.mp4
$FF $A44 -ar 48000 -ac 2 $T -c:a libopus -b:a 32k opus.opus
$FF $A44 -ar 44100 -ac 1 -t 0.2 -c:a flac -sample_fmt s16 flac.flac

for f in *.flv *.mp4 *.opus *.flac; do probe "$f"; done
