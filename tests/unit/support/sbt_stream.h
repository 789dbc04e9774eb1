/*
 * sbt_stream.h - a buffer fed and drained with the test pattern, keeping
 * the stream positions, for the suites of one strategy's own promises
 * (adaptive, chunks).  Every byte read back is checked against the pattern
 * at its position; any mismatch fails the running test.
 */
#ifndef SBT_STREAM_H
#define SBT_STREAM_H

#include "sbt.h"

struct sbt_stream {
    struct sbuf *b;
    uint64_t seed; /* names the pattern */
    uint64_t in;   /* stream bytes written so far */
    uint64_t out;  /* stream bytes read so far */
};

/* sbuf_write of the next n pattern bytes; returns what it took. */
size_t sbt_put(struct sbt_stream *s, size_t n);
/* sbuf_write_all of the next n pattern bytes; returns what it took. */
size_t sbt_put_all(struct sbt_stream *s, size_t n);
/* Reads n bytes, which must be there and be the next stream bytes. */
void sbt_get(struct sbt_stream *s, size_t n);
/* sbuf_stats of b; failing to get them fails the test. */
struct sbuf_stats sbt_stats(struct sbuf *b);

#endif
