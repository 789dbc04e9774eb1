/*
 * sbt_io.h - a checked byte stream through one buffer under test.
 *
 * The stream writes pattern bytes (sbt_rng.h) and checks every byte it reads
 * back, and it keeps its own count of what the buffer's stats must say
 * (bytes in and out, discards, overflows, underruns, peak level), so every
 * operation a test makes through it is also a stats check.  Single-threaded.
 */
#ifndef SBT_IO_H
#define SBT_IO_H

#include "sbt.h"

struct sbt_io {
    const struct sbuf_ops *ops;
    struct sbuf *b;
    uint64_t seed;
    uint64_t in;        /* stream bytes written */
    uint64_t out;       /* stream bytes gone: read, released or cleared */
    uint64_t discarded; /* of those, dropped by clear */
    uint64_t overflows;
    uint64_t underruns;
    size_t peak;
    uint8_t *tmp; /* scratch: at least the largest single operation */
    size_t tmplen;
};

/* Creates the buffer from cfg; tmplen bounds the largest write or read. */
void sbt_io_open(struct sbt_io *io, const struct sbuf_ops *ops, const struct sbuf_config *cfg,
                 size_t tmplen);
/* Bytes readable according to the stream's own count. */
static inline size_t sbt_io_level(const struct sbt_io *io)
{
    return (size_t)(io->in - io->out);
}
/* Checks used and every counter in sbuf_stats against the stream's count. */
void sbt_io_check(struct sbt_io *io);

/*
 * sbuf_write of n pattern bytes; checks "write accepts what fits": exactly
 * min(n, space) for a fixed-capacity strategy, at least that for a growing
 * one (and then, when short, the buffer is full).  Returns the count.
 */
size_t sbt_io_write(struct sbt_io *io, size_t n);
/* sbuf_write_all of n pattern bytes; checks all-or-nothing.  Returns the count. */
size_t sbt_io_write_all(struct sbt_io *io, size_t n);
/* sbuf_read of up to n bytes; checks the count is min(n, level) and the bytes. */
size_t sbt_io_read(struct sbt_io *io, size_t n);
/* sbuf_peek of up to n bytes; checks count, bytes, and that nothing moved. */
size_t sbt_io_peek(struct sbt_io *io, size_t n);
/* sbuf_clear; checks the level drops to 0 and the discard count. */
void sbt_io_clear(struct sbt_io *io);
/*
 * write_reserve, span checks, pattern into the first min(n, reserved) bytes,
 * write_commit of that.  Returns the bytes committed.
 */
size_t sbt_io_reserve_commit(struct sbt_io *io, size_t n);
/* read_view, span and byte checks, read_release of min(n, viewed). */
size_t sbt_io_view_release(struct sbt_io *io, size_t n);
/*
 * Checks a pair of spans as the core returned them: their total is total,
 * the second is used only after the first, no NULL pointer for a non-empty
 * span, no overlap, one span for SBUF_CAP_CONTIGUOUS strategies.
 */
void sbt_check_spans(const struct sbuf_ops *ops, const struct sbuf_span v[2], size_t total,
                     const char *what);
/* Copies n bytes (at most both spans' total) into, or out of, two spans in order. */
void sbt_copy_to_spans(const struct sbuf_span v[2], const void *src, size_t n);
void sbt_copy_from_spans(const struct sbuf_span v[2], void *dst, size_t n);
/* Pattern bytes [pos, pos+n) into the spans; n <= their total. */
void sbt_pattern_fill_spans(const struct sbuf_span v[2], uint64_t seed, uint64_t pos, size_t n);
/* Index of the first of the spans' first n bytes that is not the pattern at pos, or n. */
size_t sbt_pattern_check_spans(const struct sbuf_span v[2], uint64_t seed, uint64_t pos,
                               size_t n);
/* Whether two spans share a byte. */
int sbt_spans_overlap(const struct sbuf_span *a, const struct sbuf_span *b);

#endif
