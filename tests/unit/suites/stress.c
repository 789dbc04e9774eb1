/*
 * stress.c - the two-thread stress suite (sbt_suites.h), run by test-stress
 * over every registered strategy and by `serbench check` over a plugin's.
 *
 * spsc: one producer and one consumer stream SERBENCH_STRESS_MB (default
 * 100) megabytes of a position-derived pattern (support/sbt_pattern.c)
 * through the buffer, each side mixing the copying calls and the zero-copy
 * core (sbuf_write_reserve_min included) with random sizes, partial commits
 * and partial releases; the consumer
 * checks every byte.  Afterwards, with both threads joined, the stats must
 * account for every byte, short write and empty read that the threads saw.
 *
 * multi_producer: for strategies with SBUF_CAP_MULTI_PRODUCER, four
 * producers write tagged records with sbuf_write_all, or every other one
 * with sbuf_write_reserve_min and a commit, and the consumer
 * checks each producer's sequence and each record's payload: a torn or
 * interleaved record shows up as a bad header or a broken sequence.
 *
 * Waiting: a side that finds the buffer full or empty calls sched_yield()
 * and tries again.  A side that makes no progress for 10 s stops the test
 * with a message saying where both sides were.  Nothing here asserts on
 * speed; the elapsed time is printed for information only.
 * SERBENCH_STRESS_MB overrides the 100 MB.
 */
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sbt.h"
#include "sbt_io.h"
#include "sbt_rng.h"
#include "sbt_suites.h"

/*
 * 100 MB in every build, ThreadSanitizer included: on 2 cores shared with
 * other builds, the whole test (8 strategies, plus ring_locked's four
 * producers) took 38-80 s under TSan, 5 s under ASan, 3-5 s without either.
 */
#define DEFAULT_MB 100

#define CAPACITY (16 * 1024)
#define STALL_NS (10ull * 1000000000ull)
#define PRODUCERS 4
#define MAX_PAYLOAD 1024

static uint64_t stream_bytes;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Shared by the threads of one run.  Counters a thread only writes are
 * read by others for the stall message, so they are atomics (relaxed:
 * they order nothing, they only report). */
struct shared {
    const struct sbuf_ops *ops;
    struct sbuf *b;
    uint64_t seed;
    uint64_t total;
    atomic_int stop;
    atomic_int failed;
    char why[512];
    _Atomic uint64_t produced; /* bytes committed, all producers */
    _Atomic uint64_t consumed;
};

static void stop_with(struct shared *sh, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The first failure wins; the message is written before the flag that
 * publishes it, and read only after the threads are joined. */
static void stop_with(struct shared *sh, const char *fmt, ...)
{
    int expected = 0;
    if (atomic_compare_exchange_strong(&sh->failed, &expected, 1)) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(sh->why, sizeof(sh->why), fmt, ap);
        va_end(ap);
    }
    atomic_store(&sh->stop, 1);
}

/* Backing off after a failed attempt; gives up after 10 s without progress. */
struct waiter {
    uint64_t last_progress;
    unsigned misses;
};

static void progressed(struct waiter *w)
{
    w->misses = 0;
    w->last_progress = 0;
}

/* Returns 0 when this side has stalled for too long (the test is stopped). */
static int wait_a_bit(struct shared *sh, struct waiter *w, const char *side)
{
    sched_yield();
    /* Read the clock only every so often: yields are cheap, clocks less so. */
    if (++w->misses % 256)
        return 1;
    uint64_t t = now_ns();
    if (!w->last_progress)
        w->last_progress = t;
    if (t - w->last_progress < STALL_NS)
        return 1;
    stop_with(sh,
              "%s: %s made no progress for 10 s: %" PRIu64 " bytes produced, %" PRIu64
              " consumed, used %zu, capacity %zu",
              sh->ops->name, side, atomic_load_explicit(&sh->produced, memory_order_relaxed),
              atomic_load_explicit(&sh->consumed, memory_order_relaxed), sbuf_used(sh->b),
              sbuf_capacity(sh->b));
    return 0;
}

/* After an attempt that moved k bytes: 1 to go on, 0 when this side has
 * stalled for too long (the test is stopped). */
static int keep_going(struct shared *sh, struct waiter *w, size_t k, const char *side)
{
    if (!k)
        return wait_a_bit(sh, w, side);
    progressed(w);
    return 1;
}

/* Whether the spans add up to what the call returned; stops the test if not. */
static int spans_add_up(struct shared *sh, const struct sbuf_span v[2], size_t t,
                        const char *call)
{
    if (v[0].n + v[1].n == t)
        return 1;
    stop_with(sh, "%s: %s returned %zu, spans %zu + %zu", sh->ops->name, call, t, v[0].n,
              v[1].n);
    return 0;
}

/* A chunk size: mostly small, sometimes a good part of the ring or more. */
static size_t chunk(struct sbt_rng *rng)
{
    switch (sbt_rng_below(rng, 10)) {
    case 0: case 1: case 2: case 3: case 4: return (size_t)sbt_rng_range(rng, 1, 64);
    case 5: case 6: case 7: return (size_t)sbt_rng_range(rng, 1, CAPACITY / 4);
    default: return (size_t)sbt_rng_range(rng, 1, 2 * CAPACITY);
    }
}

/* ---- one producer, one consumer ------------------------------------------ */

struct side {
    struct shared *sh;
    uint64_t short_writes; /* what the stats must count as overflows */
    uint64_t empty_reads;  /* ... and as underruns */
};

static void *spsc_producer(void *arg)
{
    struct side *me = arg;
    struct shared *sh = me->sh;
    struct sbt_rng rng;
    sbt_rng_seed(&rng, sh->seed ^ 0x9E0D);
    uint8_t *buf = malloc(2 * CAPACITY);
    struct waiter w = {0, 0};
    uint64_t pos = 0;
    while (pos < sh->total && !atomic_load_explicit(&sh->stop, memory_order_relaxed)) {
        size_t n = chunk(&rng);
        if (n > sh->total - pos)
            n = (size_t)(sh->total - pos);
        size_t k;
        switch (sbt_rng_below(&rng, 4)) {
        case 0:
            sbt_pattern_fill(buf, sh->seed, pos, n);
            k = sbuf_write(sh->b, buf, n);
            me->short_writes += k < n;
            break;
        case 1:
            sbt_pattern_fill(buf, sh->seed, pos, n);
            k = sbuf_write_all(sh->b, buf, n);
            me->short_writes += k < n;
            if (k != 0 && k != n)
                stop_with(sh, "%s: write_all(%zu) tore: %zu", sh->ops->name, n, k);
            break;
        case 2: {
            /* All or nothing, zero-copy: a refusal is no overflow. */
            struct sbuf_span v[2];
            size_t t = sbuf_write_reserve_min(sh->b, n, v);
            k = t ? n : 0;
            if (t && t < n)
                stop_with(sh, "%s: reserve_min(%zu) granted %zu", sh->ops->name, n, t);
            if (k && sbt_rng_below(&rng, 4) == 0)
                k = (size_t)sbt_rng_range(&rng, 0, k); /* a partial commit */
            if (t && !spans_add_up(sh, v, t, "reserve_min"))
                k = 0;
            if (t) {
                sbt_pattern_fill_spans(v, sh->seed, pos, k);
                sbuf_write_commit(sh->b, k);
            }
            break;
        }
        default: {
            struct sbuf_span v[2] = {{NULL, 0}, {NULL, 0}};
            size_t t = sbuf_write_reserve(sh->b, v);
            k = t < n ? t : n;
            if (k && sbt_rng_below(&rng, 4) == 0)
                k = (size_t)sbt_rng_range(&rng, 0, k); /* a partial commit */
            if (!spans_add_up(sh, v, t, "reserve"))
                k = 0;
            sbt_pattern_fill_spans(v, sh->seed, pos, k);
            sbuf_write_commit(sh->b, k);
            break;
        }
        }
        pos += k;
        atomic_store_explicit(&sh->produced, pos, memory_order_relaxed);
        if (!keep_going(sh, &w, k, "producer"))
            break;
    }
    free(buf);
    return NULL;
}

static void *spsc_consumer(void *arg)
{
    struct side *me = arg;
    struct shared *sh = me->sh;
    struct sbt_rng rng;
    sbt_rng_seed(&rng, sh->seed ^ 0xC0DE);
    uint8_t *buf = malloc(2 * CAPACITY);
    struct waiter w = {0, 0};
    uint64_t pos = 0;
    while (pos < sh->total && !atomic_load_explicit(&sh->stop, memory_order_relaxed)) {
        size_t n = chunk(&rng);
        size_t k, bad;
        const char *how;
        switch (sbt_rng_below(&rng, 8)) {
        case 0: case 1: case 2:
            how = "read";
            k = sbuf_read(sh->b, buf, n);
            me->empty_reads += k == 0;
            bad = sbt_pattern_check(buf, sh->seed, pos, k);
            break;
        case 3: {
            /* peek then read: only this thread consumes, so the read gets at
             * least what the peek saw, and the same bytes. */
            how = "peek";
            k = sbuf_peek(sh->b, buf, n);
            bad = sbt_pattern_check(buf, sh->seed, pos, k);
            if (bad == k && k) {
                size_t r = sbuf_read(sh->b, buf, k);
                if (r != k)
                    stop_with(sh, "%s: peek saw %zu bytes, read got %zu", sh->ops->name, k, r);
                bad = sbt_pattern_check(buf, sh->seed, pos, r);
                k = r;
            }
            break;
        }
        default: {
            how = "view";
            struct sbuf_span v[2] = {{NULL, 0}, {NULL, 0}};
            size_t t = sbuf_read_view(sh->b, v);
            me->empty_reads += t == 0;
            k = t < n ? t : n;
            if (!spans_add_up(sh, v, t, "view"))
                k = 0;
            bad = sbt_pattern_check_spans(v, sh->seed, pos, k);
            sbuf_read_release(sh->b, k);
            break;
        }
        }
        if (bad != k) {
            stop_with(sh, "%s: %s: stream byte %" PRIu64 " is wrong", sh->ops->name, how,
                      pos + bad);
            break;
        }
        pos += k;
        atomic_store_explicit(&sh->consumed, pos, memory_order_relaxed);
        if (!keep_going(sh, &w, k, "consumer"))
            break;
    }
    free(buf);
    return NULL;
}

static struct sbuf *create_for_stress(const struct sbuf_ops *ops)
{
    struct sbuf_config cfg = sbt_config(CAPACITY);
    return sbt_create(ops, &cfg);
}

/* One run's shared state on a fresh buffer of ops. */
static void shared_open(struct shared *sh, const struct sbuf_ops *ops)
{
    memset(sh, 0, sizeof(*sh));
    sh->ops = ops;
    sh->b = create_for_stress(ops);
    sh->seed = sbt_env_u64("SERBENCH_SEED", 1) * 0x100000001B3ull;
    sh->total = stream_bytes;
}

/* After the run: every byte that went in came out and none is left. */
static struct sbuf_stats check_all_through(const struct shared *sh, uint64_t total)
{
    struct sbuf_stats s;
    sbuf_stats(sh->b, &s);
    SBT_CHECK(s.bytes_in == total && s.bytes_out == total && s.used == 0,
              "%s: in %" PRIu64 ", out %" PRIu64 ", used %zu after %" PRIu64, sh->ops->name,
              s.bytes_in, s.bytes_out, s.used, total);
    return s;
}

static void start(pthread_t *t, void *(*fn)(void *), void *arg)
{
    int rc = pthread_create(t, NULL, fn, arg);
    SBT_CHECK(rc == 0, "pthread_create: %s", strerror(rc));
}

static void spsc(const struct sbuf_ops *ops)
{
    struct shared sh;
    shared_open(&sh, ops);
    struct side prod = {&sh, 0, 0}, cons = {&sh, 0, 0};
    pthread_t tp, tc;
    uint64_t t0 = now_ns();
    start(&tp, spsc_producer, &prod);
    start(&tc, spsc_consumer, &cons);
    pthread_join(tp, NULL);
    pthread_join(tc, NULL);
    double secs = (double)(now_ns() - t0) / 1e9;
    SBT_CHECK(!atomic_load(&sh.failed), "%s", sh.why);
    print_message("%s: %" PRIu64 " MB through %zu bytes in %.2f s\n", ops->name,
                  sh.total >> 20, sbuf_capacity(sh.b), secs);

    struct sbuf_stats s = check_all_through(&sh, sh.total);
    SBT_CHECK(s.overflows == prod.short_writes, "%s: overflows %" PRIu64 ", producer saw %" PRIu64,
              ops->name, s.overflows, prod.short_writes);
    SBT_CHECK(s.underruns == cons.empty_reads, "%s: underruns %" PRIu64 ", consumer saw %" PRIu64,
              ops->name, s.underruns, cons.empty_reads);
    SBT_CHECK(s.peak_used <= s.capacity || (ops->caps & SBUF_CAP_GROWS),
              "%s: peak %zu > capacity %zu", ops->name, s.peak_used, s.capacity);
    SBT_CHECK(s.peak_used > 0, "%s: no peak recorded", ops->name);
}

/* ---- several producers: tagged records ----------------------------------- */

/* A record: magic, producer, payload length (little endian), sequence, payload. */
#define REC_DATA 0xA5
#define REC_END 0x5A
#define REC_HEADER 8

struct mp_producer {
    struct shared *sh;
    unsigned id;
    uint64_t records;
};

static uint64_t record_seed(const struct shared *sh, unsigned id, uint32_t seq)
{
    return sh->seed ^ ((uint64_t)id << 56) ^ ((uint64_t)seq << 8);
}

/* sbuf_write_all's result through sbuf_write_reserve_min: the lock is held
 * from a grant to its commit, and not at all after a refusal. */
static size_t write_all_zc(struct sbuf *b, const uint8_t *p, size_t n)
{
    struct sbuf_span v[2];
    if (sbuf_write_reserve_min(b, n, v) == 0)
        return 0;
    sbt_copy_to_spans(v, p, n);
    sbuf_write_commit(b, n);
    return n;
}

static void *mp_producer(void *arg)
{
    struct mp_producer *me = arg;
    struct shared *sh = me->sh;
    struct sbt_rng rng;
    sbt_rng_seed(&rng, sh->seed + me->id);
    uint8_t rec[REC_HEADER + MAX_PAYLOAD];
    struct waiter w = {0, 0};
    uint64_t sent = 0, share = sh->total / PRODUCERS;
    for (uint32_t seq = 0; !atomic_load_explicit(&sh->stop, memory_order_relaxed); seq++) {
        int last = sent >= share;
        size_t len = last ? 0 : (size_t)sbt_rng_range(&rng, 0, MAX_PAYLOAD);
        rec[0] = last ? REC_END : REC_DATA;
        rec[1] = (uint8_t)me->id;
        rec[2] = (uint8_t)len;
        rec[3] = (uint8_t)(len >> 8);
        memcpy(rec + 4, &seq, 4);
        sbt_pattern_fill(rec + REC_HEADER, record_seed(sh, me->id, seq), 0, len);
        int zc = seq & 1;
        while ((zc ? write_all_zc(sh->b, rec, REC_HEADER + len)
                   : sbuf_write_all(sh->b, rec, REC_HEADER + len)) == 0) {
            if (atomic_load_explicit(&sh->stop, memory_order_relaxed) ||
                !wait_a_bit(sh, &w, "a producer"))
                return NULL;
        }
        progressed(&w);
        sent += REC_HEADER + len;
        me->records++;
        atomic_fetch_add_explicit(&sh->produced, REC_HEADER + len, memory_order_relaxed);
        if (last)
            break;
    }
    return NULL;
}

/* Checks one complete record at p; returns 0 and stops the test if bad. */
static int check_record(struct shared *sh, const uint8_t *p, uint32_t next_seq[PRODUCERS],
                        int *ended)
{
    unsigned id = p[1];
    size_t len = (size_t)p[2] | (size_t)p[3] << 8;
    uint32_t seq;
    memcpy(&seq, p + 4, 4);
    if ((p[0] != REC_DATA && p[0] != REC_END) || id >= PRODUCERS || len > MAX_PAYLOAD) {
        stop_with(sh, "%s: bad record header %02x %02x %02x %02x at byte %" PRIu64,
                  sh->ops->name, p[0], p[1], p[2], p[3],
                  atomic_load_explicit(&sh->consumed, memory_order_relaxed));
        return 0;
    }
    if (seq != next_seq[id]) {
        stop_with(sh, "%s: producer %u: record %u after %u", sh->ops->name, id, seq,
                  next_seq[id] - 1);
        return 0;
    }
    size_t bad = sbt_pattern_check(p + REC_HEADER, record_seed(sh, id, seq), 0, len);
    if (bad != len) {
        stop_with(sh, "%s: producer %u record %u: payload byte %zu is wrong", sh->ops->name,
                  id, seq, bad);
        return 0;
    }
    next_seq[id]++;
    *ended += p[0] == REC_END;
    return 1;
}

static void *mp_consumer(void *arg)
{
    struct shared *sh = arg;
    struct sbt_rng rng;
    sbt_rng_seed(&rng, sh->seed ^ 0xC0DE);
    size_t cap = 4 * (REC_HEADER + MAX_PAYLOAD);
    uint8_t *acc = malloc(cap);
    size_t begin = 0, end = 0;
    uint32_t next_seq[PRODUCERS] = {0};
    int ended = 0;
    struct waiter w = {0, 0};
    while (ended < PRODUCERS && !atomic_load_explicit(&sh->stop, memory_order_relaxed)) {
        if (begin > cap / 2) {
            memmove(acc, acc + begin, end - begin);
            end -= begin;
            begin = 0;
        }
        size_t room = cap - end, n = (size_t)sbt_rng_range(&rng, 1, room), k;
        if (sbt_rng_below(&rng, 2)) {
            k = sbuf_read(sh->b, acc + end, n);
        } else {
            struct sbuf_span v[2] = {{NULL, 0}, {NULL, 0}};
            size_t t = sbuf_read_view(sh->b, v);
            k = t < n ? t : n;
            sbt_copy_from_spans(v, acc + end, k);
            sbuf_read_release(sh->b, k);
        }
        end += k;
        atomic_fetch_add_explicit(&sh->consumed, k, memory_order_relaxed);
        while (end - begin >= REC_HEADER) {
            const uint8_t *p = acc + begin;
            size_t len = (size_t)p[2] | (size_t)p[3] << 8;
            if (len <= MAX_PAYLOAD && end - begin < REC_HEADER + len)
                break;
            if (!check_record(sh, p, next_seq, &ended))
                goto out;
            begin += REC_HEADER + len;
        }
        if (!keep_going(sh, &w, k, "the consumer"))
            break;
    }
    if (!atomic_load(&sh->failed) && end != begin)
        stop_with(sh, "%s: %zu bytes after the last end record", sh->ops->name, end - begin);
out:
    free(acc);
    return NULL;
}

static void multi_producer(const struct sbuf_ops *ops)
{
    if (!(ops->caps & SBUF_CAP_MULTI_PRODUCER)) {
        /* Still prove the strategy exists: a placeholder must fail, not skip. */
        sbt_destroy(create_for_stress(ops));
        skip();
    }
    struct shared sh;
    shared_open(&sh, ops);
    struct mp_producer prod[PRODUCERS];
    pthread_t tp[PRODUCERS], tc;
    uint64_t t0 = now_ns();
    start(&tc, mp_consumer, &sh);
    for (unsigned i = 0; i < PRODUCERS; i++) {
        prod[i] = (struct mp_producer){&sh, i, 0};
        start(&tp[i], mp_producer, &prod[i]);
    }
    for (unsigned i = 0; i < PRODUCERS; i++)
        pthread_join(tp[i], NULL);
    pthread_join(tc, NULL);
    double secs = (double)(now_ns() - t0) / 1e9;
    SBT_CHECK(!atomic_load(&sh.failed), "%s", sh.why);
    print_message("%s: %d producers, %" PRIu64 " MB in %.2f s\n", ops->name, PRODUCERS,
                  sh.total >> 20, secs);
    check_all_through(&sh, atomic_load(&sh.produced));
}

/* The knobs, read once before the first case (SERBENCH_STRESS_MB, SERBENCH_SEED). */
static void prepare(void)
{
    uint64_t mb = sbt_env_u64("SERBENCH_STRESS_MB", DEFAULT_MB);
    if (mb == 0) {
        fprintf(stderr, "SERBENCH_STRESS_MB=0: a stress test of nothing\n");
        exit(2);
    }
    stream_bytes = mb << 20;
    print_message("stress: %" PRIu64 " MB per strategy and mode, seed %" PRIu64
                  " (SERBENCH_SEED)\n",
                  mb, sbt_env_u64("SERBENCH_SEED", 1));
}

static const struct sbt_case cases[] = {SBT_CASE(spsc), SBT_CASE(multi_producer)};

const struct sbt_suite sbt_stress = {"stress", cases, 2, prepare};
