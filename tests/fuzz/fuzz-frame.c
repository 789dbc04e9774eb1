/*
 * fuzz-frame.c - the runner's wire-frame decoder (bench/runner/frame.h)
 * under arbitrary and under well-formed-but-damaged byte streams.
 *
 * The decoder is fed the way the consumer feeds it: the stream arrives in
 * fuzzer-chosen chunks, each call sees the unreleased bytes as two spans
 * cut at a fuzzer-chosen point (a ring's wrap), and the caller releases the
 * bytes before *pos when the fuzzer says so.  Each span is its own
 * exact-size heap copy, so a read one byte outside a span is an ASan error.
 *
 * Every call must make progress or say NEED_MORE (with a need that is more
 * than it has and at most one maximal frame), and every GOOD frame is
 * checked here, independently of frame.c, against the format table in
 * frame.h: magic, version, flags, length check, frame CRC (zlib), fields,
 * and payload bytes.  At the end the counters must add up: bytes consumed =
 * bytes of good frames + garbage bytes, and what is left is less than the
 * decoder still needs.
 *
 * Two modes, picked by the first byte:
 *  raw        the rest of the input is the stream.  Decoding it in chunks
 *             must give exactly what decoding it whole gives (same frames,
 *             same counters but `straddled`): splitting is invisible.
 *  roundtrip  the rest describes frames (length, sequence, time, a run of
 *             garbage before each, optionally one damaged byte), encoded
 *             with sb_frame_encode and followed by a sentinel frame.  Every
 *             undamaged frame must come back, in order, at its offset, with
 *             its payload pattern; the garbage and the damaged frames must
 *             be counted as garbage to the byte; nothing else is reported.
 *             Garbage never holds 0xA5 (the first magic byte), so it can
 *             never start a frame of its own.
 *
 * Input layout (reads past the end give zeros):
 *   u8   mode: bit 7 roundtrip; bits 0-2 max_payload (table below)
 *   u8   chunk count (mod 33), then per chunk: u8 size, u8 cut (bit 0:
 *        release up to *pos after each event; bits 1-7: where the spans split)
 *   then the stream (raw) or frame descriptions (roundtrip): u8 control
 *   (bits 0-3 garbage bytes, bit 4 damaged, bits 5-7 length), ...
 */
#include <string.h>
#include <zlib.h>

#include "frame.h"
#include "fuzz.h"

static const uint32_t max_payloads[8] = {0, 1, 7, 32, 255, 1000, 4096, 16384};

#define MAX_CHUNKS 32
#define MAX_FRAMES 64
#define SENTINEL_SEQ UINT64_MAX

struct chunk {
    size_t size;
    uint8_t cut;
};

struct plan {
    struct chunk chunk[MAX_CHUNKS];
    size_t nchunks;
};

struct seen {
    size_t off; /* stream offset of the frame's first byte */
    uint64_t seq, send_ns, intended_ns;
    uint32_t len;
};

struct result {
    struct seen f[4096];
    size_t n;
    uint64_t errors; /* CRC_ERROR and BAD events */
    size_t consumed; /* stream bytes before the decoder's final position */
    size_t need;
    struct sb_decoder_stats st;
};

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* The frame starting at s (n bytes available) per frame.h's table, written
 * here again on purpose: its size if it is a good frame, else 0. */
static size_t good_frame(const uint8_t *s, size_t n, uint32_t max_payload)
{
    if (n < SB_FRAME_OVERHEAD || s[0] != 0xA5 || s[1] != 0xC3 || s[2] != 2 || s[3] != 0)
        return 0;
    if (crc32(0, s, 8) != le32(s + 8))
        return 0;
    uint32_t len = le32(s + 4);
    if (len > max_payload || n < (size_t)SB_FRAME_OVERHEAD + len)
        return 0;
    size_t body = 36 + (size_t)len;
    return crc32(0, s, (uInt)body) == le32(s + body) ? body + 4 : 0;
}

/* A heap copy of exactly n bytes (NULL when n is 0, as sbuf gives an empty span). */
static uint8_t *exact_copy(const uint8_t *p, size_t n)
{
    if (n == 0)
        return NULL;
    uint8_t *c = malloc(n);
    FZ_CHECK(c, "out of memory");
    memcpy(c, p, n);
    return c;
}

/* One decoder call on stream bytes [rel, end), split at cut; checks it. */
static enum sb_frame_event step(struct sb_decoder *d, const uint8_t *s, size_t rel, size_t end,
                                uint8_t cut, size_t *pos, struct result *res)
{
    size_t wlen = end - rel;
    size_t c = ((size_t)(cut >> 1) * (wlen + 1)) >> 7;
    if (c == 0 || c > wlen)
        c = wlen; /* read_view never fills only the second span */
    struct sbuf_span v[2] = {{exact_copy(s + rel, c), c}, {exact_copy(s + rel + c, wlen - c), wlen - c}};
    size_t before = *pos;
    struct sb_frame f = {0};
    enum sb_frame_event ev = sb_decoder_next(d, v, pos, &f);
    FZ_CHECK(*pos >= before && *pos <= wlen, "pos %zu -> %zu, %zu bytes shown", before, *pos,
             wlen);
    switch (ev) {
    case SB_FRAME_GOOD: {
        size_t size = sb_frame_size(f.len);
        FZ_CHECK(*pos - before >= size, "a %zu-byte frame in %zu consumed bytes", size,
                 *pos - before);
        size_t off = rel + *pos - size;
        FZ_CHECK(good_frame(s + off, size, d->max_payload) == size,
                 "frame at %zu (len %u) is not a good frame", off, f.len);
        FZ_CHECK(f.seq == le64(s + off + 12) && f.send_ns == le64(s + off + 20) &&
                     f.intended_ns == le64(s + off + 28),
                 "frame at %zu: fields differ from its bytes", off);
        FZ_CHECK(f.len == 0 || memcmp(f.payload, s + off + SB_FRAME_HEADER, f.len) == 0,
                 "frame at %zu: payload differs from its bytes", off);
        FZ_CHECK(res->n < sizeof(res->f) / sizeof(res->f[0]), "too many frames");
        res->f[res->n++] = (struct seen){off, f.seq, f.send_ns, f.intended_ns, f.len};
        break;
    }
    case SB_FRAME_CRC_ERROR:
    case SB_FRAME_BAD:
        FZ_CHECK(*pos > before, "event %d without progress at %zu", (int)ev, before);
        res->errors++;
        break;
    case SB_FRAME_NEED_MORE:
        FZ_CHECK(d->need > wlen - *pos, "NEED_MORE with %zu bytes, needs %zu", wlen - *pos,
                 d->need);
        FZ_CHECK(d->need <= sb_frame_size(d->max_payload), "needs %zu, a frame is at most %zu",
                 d->need, sb_frame_size(d->max_payload));
        break;
    default:
        FZ_CHECK(0, "unknown event %d", (int)ev);
    }
    free(v[0].p);
    free(v[1].p);
    return ev;
}

/* Decodes s[0..n) delivered as plan says; the rest arrives in one last chunk. */
static void decode(const uint8_t *s, size_t n, uint32_t max_payload, const struct plan *pl,
                   struct result *res)
{
    struct sb_decoder d;
    FZ_CHECK(sb_decoder_init(&d, max_payload) == SBUF_OK, "decoder init");
    memset(res, 0, sizeof(*res));
    size_t arrived = 0, rel = 0, pos = 0;
    for (size_t i = 0; i <= pl->nchunks; i++) {
        int last = i == pl->nchunks;
        struct chunk ch = last ? (struct chunk){n, 1} : pl->chunk[i];
        arrived = ch.size < n - arrived ? arrived + ch.size : n;
        while (step(&d, s, rel, arrived, ch.cut, &pos, res) != SB_FRAME_NEED_MORE) {
            if (ch.cut & 1) {
                rel += pos;
                pos = 0;
            }
        }
        if (last)
            break;
    }
    res->consumed = rel + pos;
    res->need = d.need;
    res->st = d.st;
    sb_decoder_free(&d);

    /* The counters add up. */
    const struct sb_decoder_stats *st = &res->st;
    uint64_t bytes = 0;
    for (size_t i = 0; i < res->n; i++)
        bytes += sb_frame_size(res->f[i].len);
    FZ_CHECK(st->frames == res->n && st->frame_bytes == bytes, "frames %llu/%llu B, saw %zu/%llu B",
             (unsigned long long)st->frames, (unsigned long long)st->frame_bytes, res->n,
             (unsigned long long)bytes);
    FZ_CHECK(st->frame_bytes + st->garbage_bytes == res->consumed,
             "frame bytes %llu + garbage %llu != consumed %zu", (unsigned long long)st->frame_bytes,
             (unsigned long long)st->garbage_bytes, res->consumed);
    FZ_CHECK(st->crc_errors + st->bad_headers == res->errors, "errors %llu + %llu, saw %llu",
             (unsigned long long)st->crc_errors, (unsigned long long)st->bad_headers,
             (unsigned long long)res->errors);
    FZ_CHECK(st->straddled <= st->frames && st->resyncs <= st->garbage_bytes,
             "straddled %llu, resyncs %llu", (unsigned long long)st->straddled,
             (unsigned long long)st->resyncs);
    FZ_CHECK(res->consumed <= n && n - res->consumed < res->need,
             "%zu of %zu bytes left, the decoder needs %zu", n - res->consumed, n, res->need);
}

/* ---- raw mode: chunked decoding equals whole decoding --------------------- */

static void raw(const uint8_t *s, size_t n, uint32_t max_payload, const struct plan *pl)
{
    static struct result chunked, whole;
    static const struct plan one = {.nchunks = 0};
    decode(s, n, max_payload, pl, &chunked);
    decode(s, n, max_payload, &one, &whole);
    FZ_CHECK(chunked.n == whole.n, "%zu frames chunked, %zu whole", chunked.n, whole.n);
    for (size_t i = 0; i < whole.n; i++) {
        const struct seen *a = &chunked.f[i], *b = &whole.f[i];
        FZ_CHECK(a->off == b->off && a->seq == b->seq && a->send_ns == b->send_ns &&
                     a->intended_ns == b->intended_ns && a->len == b->len,
                 "frame %zu differs: at %zu chunked, %zu whole", i, a->off, b->off);
    }
    const struct sb_decoder_stats *a = &chunked.st, *b = &whole.st;
    FZ_CHECK(a->crc_errors == b->crc_errors && a->bad_headers == b->bad_headers &&
                 a->garbage_bytes == b->garbage_bytes && a->resyncs == b->resyncs &&
                 chunked.consumed == whole.consumed,
             "chunked/whole: crc %llu/%llu bad %llu/%llu garbage %llu/%llu resyncs %llu/%llu "
             "consumed %zu/%zu",
             (unsigned long long)a->crc_errors, (unsigned long long)b->crc_errors,
             (unsigned long long)a->bad_headers, (unsigned long long)b->bad_headers,
             (unsigned long long)a->garbage_bytes, (unsigned long long)b->garbage_bytes,
             (unsigned long long)a->resyncs, (unsigned long long)b->resyncs, chunked.consumed,
             whole.consumed);

    /* The whole-frame checks agree with the format table. */
    uint32_t len;
    unsigned flags;
    int peek = n >= SB_FRAME_LENGTH_END && sb_frame_peek(s, &len, &flags);
    int want_peek = n >= SB_FRAME_LENGTH_END && s[0] == 0xA5 && s[1] == 0xC3 && s[2] == 2 &&
                    crc32(0, s, 8) == le32(s + 8);
    FZ_CHECK(peek == want_peek, "sb_frame_peek %d, expected %d", peek, want_peek);
    int check = sb_frame_check(s, n, NULL, NULL);
    int want_check = n >= SB_FRAME_OVERHEAD && want_peek &&
                     (size_t)SB_FRAME_OVERHEAD + le32(s + 4) == n &&
                     crc32(0, s, (uInt)(n - 4)) == le32(s + n - 4);
    FZ_CHECK(check == want_check, "sb_frame_check %d, expected %d", check, want_check);
}

/* ---- roundtrip mode: every frame comes back -------------------------------- */

struct sent {
    size_t off, size;
    uint64_t seq, send_ns, intended_ns;
    uint32_t len;
    int damaged;
};

/* A magic pair starting in s[from, to) (its second byte may lie past to). */
static int has_magic(const uint8_t *s, size_t from, size_t to, size_t n)
{
    for (size_t i = from; i < to && i + 1 < n; i++)
        if (s[i] == 0xA5 && s[i + 1] == 0xC3)
            return 1;
    return 0;
}

static void roundtrip(struct fz_in *in, uint32_t max_payload, const struct plan *pl)
{
    static uint8_t s[MAX_FRAMES * (15 + SB_FRAME_OVERHEAD + 16384) + SB_FRAME_OVERHEAD];
    static struct result res;
    struct sent sent[MAX_FRAMES + 1];
    size_t nsent = 0, n = 0, garbage = 0, runs = 0;
    uint64_t seq = 0;
    int damage = 0, lookalike = 0;
    while (in->n > 0 && nsent < MAX_FRAMES) {
        uint8_t ctl = fz_u8(in);
        size_t g = fz_take(in, s + n, ctl & 15u);
        for (size_t i = 0; i < g; i++)
            if (s[n + i] == 0xA5)
                s[n + i] = 0x5A; /* garbage never starts a frame */
        n += g;
        garbage += g;
        runs += g > 0;
        uint32_t len;
        switch (ctl >> 5) {
        case 0: len = 0; break;
        case 1: len = max_payload ? 1 : 0; break;
        case 2: len = max_payload; break;
        default: len = (uint32_t)fz_scale(in, max_payload); break;
        }
        seq += fz_u8(in);
        uint64_t send_ns = (uint64_t)fz_u16(in) << 20;
        uint64_t intended_ns = send_ns - (seq & 0xffff); /* from what is there: no input byte */
        struct sent *f = &sent[nsent++];
        *f = (struct sent){n, sb_frame_size(len), seq, send_ns, intended_ns, len,
                           (ctl & 0x10) != 0};
        FZ_CHECK(sb_frame_encode_paced(s + n, sizeof(s) - n, seq, len, send_ns, intended_ns) ==
                     f->size,
                 "encode");
        if (f->damaged) {
            size_t at = fz_scale(in, f->size - 1);
            s[n + at] ^= (uint8_t)(fz_u8(in) | 1u); /* CRC32 catches any one-byte change */
            garbage += f->size;
            damage = 1;
        }
        n += f->size;
    }
    /* A sentinel frame last, so the decoder consumes everything before it. */
    sent[nsent] = (struct sent){n, SB_FRAME_OVERHEAD, SENTINEL_SEQ, 0, 0, 0, 0};
    FZ_CHECK(sb_frame_encode(s + n, sizeof(s) - n, SENTINEL_SEQ, 0, 0) == SB_FRAME_OVERHEAD,
             "encode");
    n += SB_FRAME_OVERHEAD;
    nsent++;
    /* The decoder hunts through a damaged frame: a magic pair inside it
     * may start a header that runs on into the garbage after it, whose
     * checks the fuzzer could then satisfy (it sees the CRC comparisons).
     * Such inputs get the generic checks only. */
    for (size_t i = 0; i < nsent; i++)
        if (sent[i].damaged)
            lookalike |= has_magic(s, sent[i].off + 1, sent[i].off + sent[i].size, n);

    decode(s, n, max_payload, pl, &res);
    if (lookalike)
        return;
    size_t k = 0;
    for (size_t i = 0; i < nsent; i++) {
        const struct sent *f = &sent[i];
        if (f->damaged)
            continue;
        FZ_CHECK(k < res.n, "frame %zu (seq %llu at %zu) lost", i, (unsigned long long)f->seq,
                 f->off);
        const struct seen *g = &res.f[k++];
        FZ_CHECK(g->off == f->off && g->seq == f->seq && g->send_ns == f->send_ns &&
                     g->intended_ns == f->intended_ns && g->len == f->len,
                 "frame %zu: sent seq %llu len %u at %zu, got seq %llu len %u at %zu", i,
                 (unsigned long long)f->seq, f->len, f->off, (unsigned long long)g->seq, g->len,
                 g->off);
        FZ_CHECK(sb_payload_check(f->seq, s + f->off + SB_FRAME_HEADER, f->len),
                 "frame %zu: payload is not its pattern", i);
    }
    FZ_CHECK(k == res.n, "%zu frames sent intact, %zu reported", k, res.n);
    FZ_CHECK(res.consumed == n, "%zu of %zu bytes consumed", res.consumed, n);
    FZ_CHECK(res.st.garbage_bytes == garbage, "garbage %llu, sent %zu",
             (unsigned long long)res.st.garbage_bytes, garbage);
    FZ_CHECK(damage || (res.errors == 0 && res.st.resyncs == runs),
             "undamaged stream: %llu errors, %llu resyncs for %zu garbage runs",
             (unsigned long long)res.errors, (unsigned long long)res.st.resyncs, runs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_in in = {data, size};
    uint8_t mode = fz_u8(&in);
    uint32_t max_payload = max_payloads[mode & 7u];
    struct plan pl;
    pl.nchunks = fz_u8(&in) % (MAX_CHUNKS + 1);
    for (size_t i = 0; i < pl.nchunks; i++) {
        uint8_t b = fz_u8(&in);
        pl.chunk[i].size = b < 200 ? b : (size_t)(b - 199) * 64;
        pl.chunk[i].cut = fz_u8(&in);
    }
    if (mode & 0x80)
        roundtrip(&in, max_payload, &pl);
    else
        raw(in.p, in.n, max_payload, &pl);
    return 0;
}
