/*
 * frame.h - the workload's wire frame: encoder and streaming decoder.
 *
 * A message of N bytes travels as one frame of SB_FRAME_OVERHEAD + N bytes.
 * Every multi-byte field is little-endian, written and read byte by byte
 * (no struct casts), so the format is the same on every host:
 *
 *   off  size field
 *     0     2 magic         0xA5 0xC3
 *     2     1 version       SB_FRAME_VERSION (2)
 *     3     1 flags         0 (reserved: a frame with any bit set is rejected)
 *     4     4 length        payload bytes N, 0 .. the decoder's max_payload
 *     8     4 length check  CRC-32 (zlib's crc32(), crc.h) of bytes 0..7
 *    12     8 sequence      0, 1, 2 ... per run; a refused message reuses its number
 *    20     8 send time     CLOCK_MONOTONIC ns when the frame was handed to the buffer
 *    28     8 intended time CLOCK_MONOTONIC ns when the schedule wanted it sent (pace.h):
 *                           <= send time; equal to it in a run that is not paced
 *    36     N payload       sb_payload_fill(sequence): checkable without a copy of it
 *  36+N     4 frame CRC     CRC-32 of bytes 0 .. 36+N-1 (whole header and payload)
 *
 * Version 1 had no intended time (a 28-byte header): a message that waited
 * for room was timed only from when it got in, which hides the wait
 * (coordinated omission; README.md, "Two latencies").  A version-1 frame is
 * a bad frame to this decoder, as to the emulator and both firmwares.
 *
 * Why two checks: the length check guards the only fields the decoder must
 * believe before it has the whole frame (version, flags, length), so a
 * damaged length can never make it wait for (or copy) a bogus payload.  It
 * is 8 bytes, computed inline (crc.h, sb_crc32_8: a library call costs
 * more in overhead than the 8 bytes do).  The frame CRC then covers
 * everything, header and payload, in one call: one 100-byte run is cheaper
 * than a 36-byte and a 64-byte one, and the CRC is still the largest part
 * of the harness's own cost (crc.h: ISA-L).
 * No field but those three is read before the frame CRC has passed.
 *
 * The payload is derived from the sequence number, so a receiver can verify
 * content without knowing what was sent; a frame whose CRC is good but
 * whose payload is not its sequence number's pattern is a harness or buffer
 * bug, and is counted (see verify.h).
 */
#ifndef SB_FRAME_H
#define SB_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "sbuf/sbuf.h"

#define SB_FRAME_MAGIC0 0xA5u
#define SB_FRAME_MAGIC1 0xC3u
#define SB_FRAME_VERSION 2u
#define SB_FRAME_HEADER 36u   /* bytes before the payload */
#define SB_FRAME_TRAILER 4u   /* the frame CRC after it */
#define SB_FRAME_OVERHEAD (SB_FRAME_HEADER + SB_FRAME_TRAILER)
#define SB_FRAME_LENGTH_END 12u /* bytes the decoder needs to trust the length */
/* The format's hard limit on a payload; a decoder may set a lower one. */
#define SB_FRAME_MAX_PAYLOAD (1u << 24)

/* Bytes on the wire for a payload of len bytes. */
static inline size_t sb_frame_size(uint32_t len)
{
    return (size_t)SB_FRAME_OVERHEAD + len;
}

/* Fills p[0..len) with the pattern for sequence number seq. */
void sb_payload_fill(uint64_t seq, uint8_t *p, uint32_t len);
/* 1 if p[0..len) is the pattern for seq, else 0. */
int sb_payload_check(uint64_t seq, const uint8_t *p, uint32_t len);

/*
 * Encodes frame seq with a len-byte pattern payload, sent at send_ns and
 * intended for intended_ns, into buf.  Returns the frame size, or 0 (buf
 * untouched) if buf is NULL, cap is too small, or len > SB_FRAME_MAX_PAYLOAD.
 * sb_frame_encode is the same for a frame sent when it was meant to be
 * (an unpaced run): intended time = send time.
 */
size_t sb_frame_encode_paced(uint8_t *buf, size_t cap, uint64_t seq, uint32_t len,
                             uint64_t send_ns, uint64_t intended_ns);
size_t sb_frame_encode(uint8_t *buf, size_t cap, uint64_t seq, uint32_t len,
                       uint64_t send_ns);
/* Rewrites the send and intended times of an encoded frame and recomputes
 * its frame CRC (the producer retrying after waiting for room: a paced run
 * keeps the intended time, an unpaced one moves both). */
void sb_frame_restamp(uint8_t *frame, uint64_t send_ns, uint64_t intended_ns);

/*
 * For other kinds of frame in the same format (the device emulator's
 * control frames set a flag bit; the data decoder refuses any frame with a
 * flag set, so the two can never be confused):
 *
 * sb_frame_seal writes the header and the frame CRC around len payload
 * bytes the caller already put at buf + SB_FRAME_HEADER (intended time =
 * send time); returns the frame size, or 0 if buf is NULL, cap is too
 * small or len too large.
 *
 * sb_frame_peek reads the first SB_FRAME_LENGTH_END bytes of a frame: 1
 * when magic, version and length check are good, with the length and flags
 * as sent; 0 otherwise.  Nothing else in the header is covered yet.
 *
 * sb_frame_check takes a whole frame of n bytes: 1 when it passes sb_frame_peek,
 * n is exactly its size, and its frame CRC is good; then *seq and *send_ns
 * (each may be NULL) are set.  0 otherwise.
 */
size_t sb_frame_seal(uint8_t *buf, size_t cap, unsigned flags, uint64_t seq, uint32_t len,
                     uint64_t send_ns);
int sb_frame_peek(const uint8_t *h, uint32_t *len, unsigned *flags);
int sb_frame_check(const uint8_t *frame, size_t n, uint64_t *seq, uint64_t *send_ns);

/* A decoded frame.  payload points into the caller's spans, or into the
 * decoder's scratch when the payload straddled two spans: valid until the
 * bytes are released or the decoder is called again. */
struct sb_frame {
    uint64_t seq;
    uint64_t send_ns;
    uint64_t intended_ns;
    uint32_t len;
    const uint8_t *payload;
};

enum sb_frame_event {
    SB_FRAME_NEED_MORE, /* no complete frame yet: more bytes are needed */
    SB_FRAME_GOOD,      /* *out is a frame whose CRCs are good */
    SB_FRAME_CRC_ERROR, /* a frame start (magic) whose length check or frame CRC failed */
    SB_FRAME_BAD,       /* a good length check but version, flags or length out of bounds */
};

/*
 * What the decoder saw.  garbage_bytes counts every byte consumed that was
 * not part of a good frame (noise, and the bytes of damaged frames); a
 * resync is one loss of sync: the decoder expected a frame start and had to
 * hunt for the magic.
 */
struct sb_decoder_stats {
    uint64_t frames;        /* good frames */
    uint64_t frame_bytes;   /* their bytes */
    uint64_t crc_errors;    /* length check or frame CRC failures */
    uint64_t bad_headers;   /* version, flags or length out of bounds */
    uint64_t resyncs;
    uint64_t garbage_bytes;
    uint64_t straddled;     /* good frames whose payload spanned two spans (copied) */
};

struct sb_decoder {
    uint32_t max_payload;
    int hunting;      /* lost sync: skipped bytes belong to the current resync */
    size_t need;      /* after NEED_MORE: bytes from *pos the next step needs */
    /* Room for one whole frame of max_payload.  The decoder copies a
     * straddling payload here; a caller whose view shows less than the
     * buffer holds may sbuf_peek a frame here and decode it in place. */
    uint8_t *scratch;
    size_t scratch_size;
    struct sb_decoder_stats st;
};

/*
 * Prepares d for frames with payloads of at most max_payload bytes
 * (<= SB_FRAME_MAX_PAYLOAD): SBUF_OK, SBUF_EINVAL, SBUF_ERANGE or SBUF_ENOMEM.
 */
int sb_decoder_init(struct sb_decoder *d, uint32_t max_payload);
void sb_decoder_free(struct sb_decoder *d);

/*
 * Decodes the next event from the byte stream v[0] then v[1] (as
 * sbuf_read_view gives it), starting at offset *pos, and advances *pos past
 * every byte it consumed (garbage, a damaged frame's first byte, or a good
 * frame).  Bytes before *pos may be released by the caller.
 *
 * Streaming: bytes may arrive split anywhere.  On SB_FRAME_NEED_MORE the
 * bytes from *pos on are an incomplete frame (or a partial magic); call
 * again, from the same *pos, once more bytes are readable.  d->need then
 * says how many bytes from *pos the frame needs in all; it is bounded by
 * SB_FRAME_OVERHEAD + max_payload, and a length is trusted only after its
 * length check has passed.
 *
 * After a CRC error or a bad header the decoder skips one byte and hunts
 * for the next magic, so a byte lost inside one frame costs that frame
 * only, not the one after it.
 */
enum sb_frame_event sb_decoder_next(struct sb_decoder *d, const struct sbuf_span v[2],
                                    size_t *pos, struct sb_frame *out);

#endif
