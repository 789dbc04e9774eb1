/*
 * frame.c - encoder and streaming decoder of the wire frame (see frame.h).
 *
 * The decoder keeps no copy of the stream: it reads the caller's spans in
 * place, runs the CRC across the two spans without joining them, and
 * copies only a payload that straddles them (once per buffer wrap) into
 * its scratch.
 */
#include <stdlib.h>
#include <string.h>

#include "crc.h"
#include "frame.h"
#include "rng.h"

/* ---- little-endian fields ------------------------------------------------
 * Explicit little-endian encoding: a value is converted to little-endian
 * and copied byte for byte, never read or written through a cast.  memcpy
 * of a fixed size compiles to one unaligned load or store. */

static inline uint32_t to_le32(uint32_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
}

static inline uint64_t to_le64(uint64_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
    v = to_le32(v);
    memcpy(p, &v, sizeof(v));
}

static inline void put_le64(uint8_t *p, uint64_t v)
{
    v = to_le64(v);
    memcpy(p, &v, sizeof(v));
}

static inline uint32_t get_le32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return to_le32(v); /* the swap is its own inverse */
}

static inline uint64_t get_le64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return to_le64(v);
}

enum {
    OFF_MAGIC = 0,
    OFF_VERSION = 2,
    OFF_FLAGS = 3,
    OFF_LEN = 4,
    OFF_LCHECK = 8,
    OFF_SEQ = 12,
    OFF_TIME = 20,
    OFF_INTENDED = 28,
};
_Static_assert(OFF_INTENDED + 8 == SB_FRAME_HEADER, "the header ends with the intended time");

static inline uint32_t crc_more(uint32_t crc, const uint8_t *p, size_t n)
{
    return sb_crc32(crc, p, n);
}

static inline uint32_t crc_of(const uint8_t *p, size_t n)
{
    return crc_more(0, p, n);
}

/* ---- payload pattern ----------------------------------------------------- */

/*
 * Word i of the payload is base + i * STEP (a Weyl sequence), stored
 * little-endian; base mixes all bits of the sequence number.  One add per
 * eight bytes to make or check, every byte depends on the sequence number
 * and its position, and neighbouring frames share no words.
 */
#define PATTERN_STEP 0x9e3779b97f4a7c15u

static inline uint64_t pattern_base(uint64_t seq)
{
    return sb_mix64(seq ^ 0x5342465241u);
}

void sb_payload_fill(uint64_t seq, uint8_t *p, uint32_t len)
{
    uint64_t w = pattern_base(seq);
    uint32_t i = 0;
    /* Four words a step, each from w alone: no chain between the stores. */
    for (; i + 32 <= len; i += 32, w += 4 * PATTERN_STEP) {
        put_le64(p + i, w);
        put_le64(p + i + 8, w + PATTERN_STEP);
        put_le64(p + i + 16, w + 2 * PATTERN_STEP);
        put_le64(p + i + 24, w + 3 * PATTERN_STEP);
    }
    for (; i + 8 <= len; i += 8, w += PATTERN_STEP)
        put_le64(p + i, w);
    for (unsigned k = 0; i < len; i++, k += 8)
        p[i] = (uint8_t)(w >> k);
}

int sb_payload_check(uint64_t seq, const uint8_t *p, uint32_t len)
{
    if (!p && len)
        return 0;
    uint64_t w = pattern_base(seq);
    uint32_t i = 0;
    /* Differences are gathered, not branched on: a good payload (every
     * payload of a correct run) is read without a mispredicted exit. */
    uint64_t diff = 0;
    for (; i + 32 <= len; i += 32, w += 4 * PATTERN_STEP)
        diff |= (get_le64(p + i) ^ w) | (get_le64(p + i + 8) ^ (w + PATTERN_STEP)) |
                (get_le64(p + i + 16) ^ (w + 2 * PATTERN_STEP)) |
                (get_le64(p + i + 24) ^ (w + 3 * PATTERN_STEP));
    for (; i + 8 <= len; i += 8, w += PATTERN_STEP)
        diff |= get_le64(p + i) ^ w;
    for (unsigned k = 0; i < len; i++, k += 8)
        diff |= p[i] ^ (uint8_t)(w >> k);
    return diff == 0;
}

/* ---- encoder ------------------------------------------------------------- */

/* The frame CRC of a complete frame whose length field is set. */
static void seal_crc(uint8_t *frame, uint32_t len)
{
    size_t body = SB_FRAME_HEADER + (size_t)len;
    put_le32(frame + body, crc_of(frame, body));
}

/* Bytes 0..7 (magic, version, flags, length) as one little-endian word. */
static inline uint64_t start_word(unsigned flags, uint32_t len)
{
    return (uint64_t)SB_FRAME_MAGIC0 | (uint64_t)SB_FRAME_MAGIC1 << 8 |
           (uint64_t)SB_FRAME_VERSION << 16 | (uint64_t)flags << 24 | (uint64_t)len << 32;
}

/* Header and frame CRC around the payload already at buf + SB_FRAME_HEADER. */
static inline size_t seal(uint8_t *buf, unsigned flags, uint64_t seq, uint32_t len,
                          uint64_t send_ns, uint64_t intended_ns)
{
    /* Built in a register, stored once: the length check never reloads
     * bytes stored a moment ago (a load spanning several smaller stores
     * cannot be forwarded from them and waits for the cache). */
    uint64_t w = start_word(flags, len);
    put_le64(buf + OFF_MAGIC, w);
    put_le32(buf + OFF_LCHECK, sb_crc32_u64(w));
    put_le64(buf + OFF_SEQ, seq);
    put_le64(buf + OFF_TIME, send_ns);
    put_le64(buf + OFF_INTENDED, intended_ns);
    seal_crc(buf, len);
    return sb_frame_size(len);
}

size_t sb_frame_seal(uint8_t *buf, size_t cap, unsigned flags, uint64_t seq, uint32_t len,
                     uint64_t send_ns)
{
    if (!buf || len > SB_FRAME_MAX_PAYLOAD || cap < sb_frame_size(len) || flags > 0xff)
        return 0;
    return seal(buf, flags, seq, len, send_ns, send_ns);
}

size_t sb_frame_encode_paced(uint8_t *buf, size_t cap, uint64_t seq, uint32_t len,
                             uint64_t send_ns, uint64_t intended_ns)
{
    if (!buf || len > SB_FRAME_MAX_PAYLOAD || cap < sb_frame_size(len))
        return 0;
    sb_payload_fill(seq, buf + SB_FRAME_HEADER, len);
    return seal(buf, 0, seq, len, send_ns, intended_ns);
}

size_t sb_frame_encode(uint8_t *buf, size_t cap, uint64_t seq, uint32_t len,
                       uint64_t send_ns)
{
    return sb_frame_encode_paced(buf, cap, seq, len, send_ns, send_ns);
}

void sb_frame_restamp(uint8_t *frame, uint64_t send_ns, uint64_t intended_ns)
{
    if (!frame)
        return;
    put_le64(frame + OFF_TIME, send_ns);
    put_le64(frame + OFF_INTENDED, intended_ns);
    seal_crc(frame, get_le32(frame + OFF_LEN));
}

/* Magic, version and length check of h[0..SB_FRAME_LENGTH_END). */
static inline int length_ok(const uint8_t *h)
{
    return h[OFF_MAGIC] == SB_FRAME_MAGIC0 && h[OFF_MAGIC + 1] == SB_FRAME_MAGIC1 &&
           h[OFF_VERSION] == SB_FRAME_VERSION && sb_crc32_8(h) == get_le32(h + OFF_LCHECK);
}

int sb_frame_peek(const uint8_t *h, uint32_t *len, unsigned *flags)
{
    if (!h || !length_ok(h))
        return 0;
    if (len)
        *len = get_le32(h + OFF_LEN);
    if (flags)
        *flags = h[OFF_FLAGS];
    return 1;
}

int sb_frame_check(const uint8_t *frame, size_t n, uint64_t *seq, uint64_t *send_ns)
{
    uint32_t len;
    if (!frame || n < SB_FRAME_OVERHEAD || !sb_frame_peek(frame, &len, NULL) ||
        n != sb_frame_size(len))
        return 0;
    size_t body = n - SB_FRAME_TRAILER;
    if (crc_of(frame, body) != get_le32(frame + body))
        return 0;
    if (seq)
        *seq = get_le64(frame + OFF_SEQ);
    if (send_ns)
        *send_ns = get_le64(frame + OFF_TIME);
    return 1;
}

/* ---- decoder ------------------------------------------------------------- */

int sb_decoder_init(struct sb_decoder *d, uint32_t max_payload)
{
    if (!d)
        return SBUF_EINVAL;
    memset(d, 0, sizeof(*d));
    if (max_payload > SB_FRAME_MAX_PAYLOAD)
        return SBUF_ERANGE;
    d->max_payload = max_payload;
    d->scratch_size = sb_frame_size(max_payload);
    d->scratch = malloc(d->scratch_size);
    if (!d->scratch)
        return SBUF_ENOMEM;
    return SBUF_OK;
}

void sb_decoder_free(struct sb_decoder *d)
{
    if (!d)
        return;
    free(d->scratch);
    d->scratch = NULL;
    d->scratch_size = 0;
}

static inline uint8_t byte_at(const struct sbuf_span v[2], size_t off)
{
    return off < v[0].n ? v[0].p[off] : v[1].p[off - v[0].n];
}

/*
 * Bytes [off, off + n) of the stream as one pointer: in place when they lie
 * in one span, else copied into dst.  *copied says which.  off + n <= total.
 */
static inline __attribute__((always_inline)) const uint8_t *
gather(const struct sbuf_span v[2], size_t off, size_t n, uint8_t *dst, int *copied)
{
    *copied = 0;
    if (n == 0)
        return dst; /* never form a pointer from an empty (possibly NULL) span */
    if (off + n <= v[0].n)
        return v[0].p + off;
    if (off >= v[0].n)
        return v[1].p + (off - v[0].n);
    size_t a = v[0].n - off;
    memcpy(dst, v[0].p + off, a);
    memcpy(dst + a, v[1].p, n - a);
    *copied = 1;
    return dst;
}

/*
 * Offset of the first frame start at or after off: the full magic, or its
 * first byte as the very last byte of the stream (it may be completed by
 * the next bytes).  total when there is none.
 */
static size_t find_magic(const struct sbuf_span v[2], size_t off, size_t total)
{
    /* In sync, the next frame starts right here: no search. */
    if (off + 1 < v[0].n && v[0].p[off] == SB_FRAME_MAGIC0 && v[0].p[off + 1] == SB_FRAME_MAGIC1)
        return off;
    size_t seg_start = 0;
    for (int s = 0; s < 2; s++) {
        size_t seg_end = seg_start + v[s].n;
        while (off < seg_end) {
            const uint8_t *base = v[s].p;
            const uint8_t *hit = memchr(base + (off - seg_start), SB_FRAME_MAGIC0, seg_end - off);
            if (!hit)
                break;
            size_t at = seg_start + (size_t)(hit - base);
            if (at + 1 == total || byte_at(v, at + 1) == SB_FRAME_MAGIC1)
                return at;
            off = at + 1;
        }
        if (off < seg_end)
            off = seg_end;
        seg_start = seg_end;
    }
    return total;
}

static inline void lose_sync(struct sb_decoder *d)
{
    if (!d->hunting) {
        d->hunting = 1;
        d->st.resyncs++;
    }
}

/* A frame start that turned out bad: count it, skip its first byte. */
static enum sb_frame_event reject(struct sb_decoder *d, size_t *pos, size_t at,
                                  enum sb_frame_event ev)
{
    if (ev == SB_FRAME_CRC_ERROR)
        d->st.crc_errors++;
    else
        d->st.bad_headers++;
    lose_sync(d);
    d->st.garbage_bytes++;
    *pos = at + 1;
    return ev;
}

/* CRC of stream bytes [off, off + n), which may run across both spans. */
static uint32_t crc_span(const struct sbuf_span v[2], size_t off, size_t n)
{
    if (off + n <= v[0].n)
        return crc_of(v[0].p + off, n);
    if (off >= v[0].n)
        return crc_of(v[1].p + (off - v[0].n), n);
    size_t a = v[0].n - off;
    return crc_more(crc_of(v[0].p + off, a), v[1].p, n - a);
}

/* A good frame of size bytes at stream offset at; h: its header, in place
 * or gathered; payload: its payload, in place or copied (copied says so). */
static inline enum sb_frame_event accept(struct sb_decoder *d, size_t *pos, size_t at,
                                         const uint8_t *h, uint32_t len, size_t size,
                                         const uint8_t *payload, int copied,
                                         struct sb_frame *out)
{
    out->seq = get_le64(h + OFF_SEQ);
    out->send_ns = get_le64(h + OFF_TIME);
    out->intended_ns = get_le64(h + OFF_INTENDED);
    out->len = len;
    out->payload = payload;
    d->st.frames++;
    d->st.frame_bytes += size;
    d->st.straddled += (uint64_t)copied;
    d->hunting = 0;
    d->need = 0;
    *pos = at + size;
    return SB_FRAME_GOOD;
}

/* Version, flags and length of a frame start whose length check passed. */
static inline int start_in_bounds(const struct sb_decoder *d, uint64_t w)
{
    return (uint8_t)(w >> 16) == SB_FRAME_VERSION && (uint8_t)(w >> 24) == 0 &&
           (uint32_t)(w >> 32) <= d->max_payload;
}

enum sb_frame_event sb_decoder_next(struct sb_decoder *d, const struct sbuf_span v[2],
                                    size_t *pos, struct sb_frame *out)
{
    if (!d || !v || !pos || !out || !d->scratch)
        return SB_FRAME_NEED_MORE;
    size_t total = v[0].n + v[1].n;
    size_t at = *pos < total ? *pos : total;

    /* The common case, checked exactly as below but without the general
     * path's search and gathering: in sync (a frame starts at *pos) and
     * the whole frame lies in the first span.  Anything else (a partial
     * or straddling frame, garbage) falls through to the general path. */
    if (v[0].n >= SB_FRAME_OVERHEAD && at <= v[0].n - SB_FRAME_OVERHEAD) {
        const uint8_t *h = v[0].p + at;
        uint64_t w = get_le64(h);
        if ((uint16_t)w == (SB_FRAME_MAGIC0 | SB_FRAME_MAGIC1 << 8)) {
            if (sb_crc32_u64(w) != get_le32(h + OFF_LCHECK))
                return reject(d, pos, at, SB_FRAME_CRC_ERROR);
            if (!start_in_bounds(d, w))
                return reject(d, pos, at, SB_FRAME_BAD);
            uint32_t len = (uint32_t)(w >> 32);
            size_t size = sb_frame_size(len);
            if (size <= v[0].n - at) {
                size_t body = size - SB_FRAME_TRAILER;
                if (crc_of(h, body) != get_le32(h + body))
                    return reject(d, pos, at, SB_FRAME_CRC_ERROR);
                *pos = at;
                return accept(d, pos, at, h, len, size, len ? h + SB_FRAME_HEADER : d->scratch,
                              0, out);
            }
        }
    }

    size_t start = find_magic(v, at, total);
    if (start > at) {
        lose_sync(d);
        d->st.garbage_bytes += start - at;
        at = start;
    }
    *pos = at;
    if (total - at < SB_FRAME_LENGTH_END) {
        d->need = SB_FRAME_LENGTH_END;
        return SB_FRAME_NEED_MORE;
    }

    uint8_t hbuf[SB_FRAME_HEADER];
    int copied;
    const uint8_t *h = gather(v, at, SB_FRAME_LENGTH_END, hbuf, &copied);
    /* Nothing is believed until a check has passed: the length check first.
     * (The magic is already known good, and a wrong version is a bad frame
     * whose check passed, not a damaged one.) */
    uint64_t w = get_le64(h);
    if (sb_crc32_u64(w) != get_le32(h + OFF_LCHECK))
        return reject(d, pos, at, SB_FRAME_CRC_ERROR);
    if (!start_in_bounds(d, w))
        return reject(d, pos, at, SB_FRAME_BAD);
    uint32_t len = (uint32_t)(w >> 32);

    size_t size = sb_frame_size(len);
    if (total - at < size) {
        d->need = size;
        return SB_FRAME_NEED_MORE;
    }
    size_t body = size - SB_FRAME_TRAILER;
    uint8_t tbuf[SB_FRAME_TRAILER];
    const uint8_t *trailer = gather(v, at + body, SB_FRAME_TRAILER, tbuf, &copied);
    if (crc_span(v, at, body) != get_le32(trailer))
        return reject(d, pos, at, SB_FRAME_CRC_ERROR);

    h = gather(v, at, SB_FRAME_HEADER, hbuf, &copied);
    const uint8_t *payload = gather(v, at + SB_FRAME_HEADER, len, d->scratch, &copied);
    return accept(d, pos, at, h, len, size, payload, copied, out);
}
