/*
 * sbt_duo.h - one producer thread and one consumer (the calling thread)
 * passing a stream of pattern bytes through a buffer.  The test supplies
 * each side's step (which calls, what sizes); the harness runs the threads,
 * counts the stream, stops the producer when the consumer is done or has
 * found a bad byte, and fails the test on a bad byte.
 */
#ifndef SBT_DUO_H
#define SBT_DUO_H

#include <stdatomic.h>

#include "sbt.h"
#include "sbt_rng.h"

struct sbt_duo {
    struct sbuf *b;
    uint64_t seed;          /* names the pattern */
    uint64_t total;         /* stream bytes to pass */
    uint64_t produce_seed;  /* of the producer's choices */
    uint64_t consume_seed;  /* of the consumer's choices */
    /*
     * Producer step: writes pattern bytes from stream position in, at most
     * total - in of them; returns how many.  It yields when it is short of
     * room, as it sees fit.
     */
    size_t (*produce)(const struct sbt_duo *d, struct sbt_rng *r, uint64_t in);
    /*
     * Consumer step: takes bytes from stream position out and checks them;
     * returns how many it consumed and sets *bad on a wrong byte.
     */
    size_t (*consume)(const struct sbt_duo *d, struct sbt_rng *r, uint64_t out, int *bad);
    /* Set when the consumer stops, so the producer never waits for room
     * forever.  Relaxed: a flag polled in a loop, ordering nothing. */
    atomic_int stop;
};

/* Runs both sides to the end of the stream; a bad byte fails the test. */
void sbt_duo_run(struct sbt_duo *d);

#endif
