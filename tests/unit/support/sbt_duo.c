/*
 * sbt_duo.c - the two-thread stream harness (see sbt_duo.h).
 */
#include <pthread.h>
#include <sched.h>

#include "sbt_duo.h"

static void *producer(void *arg)
{
    struct sbt_duo *d = arg;
    struct sbt_rng r;
    sbt_rng_seed(&r, d->produce_seed);
    uint64_t in = 0;
    while (in < d->total && !atomic_load_explicit(&d->stop, memory_order_relaxed))
        in += d->produce(d, &r, in);
    return NULL;
}

void sbt_duo_run(struct sbt_duo *d)
{
    atomic_init(&d->stop, 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, producer, d), 0);
    struct sbt_rng r;
    sbt_rng_seed(&r, d->consume_seed);
    uint64_t out = 0;
    int bad = 0;
    while (out < d->total && !bad) {
        size_t n = d->consume(d, &r, out, &bad);
        out += n;
        if (n == 0)
            sched_yield();
    }
    atomic_store_explicit(&d->stop, 1, memory_order_relaxed);
    pthread_join(t, NULL);
    if (bad)
        fail_msg("bad byte near stream position %llu", (unsigned long long)out);
}
