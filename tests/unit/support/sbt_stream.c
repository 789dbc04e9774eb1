/*
 * sbt_stream.c - pattern streams through a buffer (see sbt_stream.h).
 */
#include <stdlib.h>

#include "sbt_rng.h"
#include "sbt_stream.h"

/* One body for both copying writes: they differ only in the call. */
static size_t put_with(struct sbt_stream *s, size_t n,
                       size_t (*write)(struct sbuf *, const void *, size_t))
{
    uint8_t *tmp = malloc(n + 1);
    assert_non_null(tmp);
    sbt_pattern_fill(tmp, s->seed, s->in, n);
    size_t k = write(s->b, tmp, n);
    s->in += k;
    free(tmp);
    return k;
}

size_t sbt_put(struct sbt_stream *s, size_t n)
{
    return put_with(s, n, sbuf_write);
}

size_t sbt_put_all(struct sbt_stream *s, size_t n)
{
    return put_with(s, n, sbuf_write_all);
}

void sbt_get(struct sbt_stream *s, size_t n)
{
    uint8_t *tmp = malloc(n + 1);
    assert_non_null(tmp);
    assert_int_equal(sbuf_read(s->b, tmp, n), n);
    assert_int_equal(sbt_pattern_check(tmp, s->seed, s->out, n), n);
    s->out += n;
    free(tmp);
}

struct sbuf_stats sbt_stats(struct sbuf *b)
{
    struct sbuf_stats st;
    assert_int_equal(sbuf_stats(b, &st), SBUF_OK);
    return st;
}
