/* sbt_deque.c - the reference byte deque; see sbt_deque.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbt_deque.h"

void sbt_deque_init(struct sbt_deque *d)
{
    memset(d, 0, sizeof(*d));
}

void sbt_deque_free(struct sbt_deque *d)
{
    free(d->data);
    memset(d, 0, sizeof(*d));
}

void sbt_deque_push(struct sbt_deque *d, const uint8_t *src, size_t n)
{
    if (n == 0)
        return;
    if (d->start + d->len + n > d->cap) {
        /* Slide the bytes to the front, then grow if that is not enough. */
        if (d->start)
            memmove(d->data, d->data + d->start, d->len);
        d->start = 0;
        if (d->len + n > d->cap) {
            size_t cap = d->cap ? d->cap : 64;
            while (cap < d->len + n)
                cap *= 2;
            uint8_t *p = realloc(d->data, cap);
            if (!p) {
                fprintf(stderr, "sbt_deque: out of memory\n");
                abort();
            }
            d->data = p;
            d->cap = cap;
        }
    }
    memcpy(d->data + d->start + d->len, src, n);
    d->len += n;
}

void sbt_deque_pop(struct sbt_deque *d, size_t n)
{
    d->start += n;
    d->len -= n;
    if (d->len == 0)
        d->start = 0;
}

void sbt_deque_clear(struct sbt_deque *d)
{
    d->start = 0;
    d->len = 0;
}

size_t sbt_deque_find(const struct sbt_deque *d, const uint8_t *delim, size_t dlen)
{
    if (dlen == 0 || d->len < dlen)
        return 0; /* and never offset data while it is still NULL (UB) */
    const uint8_t *p = d->data + d->start;
    for (size_t i = 0; i + dlen <= d->len; i++)
        if (memcmp(p + i, delim, dlen) == 0)
            return i + dlen;
    return 0;
}
