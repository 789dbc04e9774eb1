/*
 * sbt_deque.h - the reference model of a byte stream: a growable deque kept
 * as plainly as possible (one array, a start offset) so that it is obviously
 * right.  The model test checks every strategy against it.
 */
#ifndef SBT_DEQUE_H
#define SBT_DEQUE_H

#include <stddef.h>
#include <stdint.h>

struct sbt_deque {
    uint8_t *data;
    size_t start; /* offset of the first byte */
    size_t len;   /* bytes held */
    size_t cap;   /* bytes allocated */
};

void sbt_deque_init(struct sbt_deque *d);
void sbt_deque_free(struct sbt_deque *d);
void sbt_deque_push(struct sbt_deque *d, const uint8_t *src, size_t n);
void sbt_deque_pop(struct sbt_deque *d, size_t n); /* n <= len */
void sbt_deque_clear(struct sbt_deque *d);
/* The byte at offset i (< len). */
static inline uint8_t sbt_deque_at(const struct sbt_deque *d, size_t i)
{
    return d->data[d->start + i];
}
/* Pointer to the n bytes from offset i (contiguous: the model never wraps). */
static inline const uint8_t *sbt_deque_ptr(const struct sbt_deque *d, size_t i)
{
    return d->data + d->start + i;
}
/* Length of the first line ending with delim (delimiter included), or 0. */
size_t sbt_deque_find(const struct sbt_deque *d, const uint8_t *delim, size_t dlen);

#endif
