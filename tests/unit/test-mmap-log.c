/*
 * test-mmap-log.c - what only mmap_log promises: the data survives close,
 * reopen and the death of the process; a file that is truncated, foreign or
 * damaged is refused with SBUF_EFORMAT, never mapped blindly; a private log
 * leaves no file behind.  The general contract is test-conformance's.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#include "mmap_log_format.h"
#include "sbt.h"
#include "sbt_duo.h"
#include "sbt_io.h"
#include "sbt_rng.h"

#define SEED 0x3A9u

static char dir[256];
static char path[300];

static int make_dir(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/sbuf-test-mmap-XXXXXX", base && *base ? base : "/tmp");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/log", dir);
    return 0;
}

static int remove_dir(void **state)
{
    (void)state;
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char p[600];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
                unlink(p);
            }
        }
        closedir(d);
    }
    rmdir(dir);
    return 0;
}

static size_t files_in(const char *d)
{
    DIR *h = opendir(d);
    assert_non_null(h);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(h)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(h);
    return n;
}

static int open_log(const char *p, size_t capacity, struct sbuf **b)
{
    struct sbuf_config cfg = sbt_config(capacity);
    cfg.path = p;
    return sbuf_create("mmap_log", &cfg, b);
}

/* Writes stream bytes [*in, *in + n) of the pattern; all must fit. */
static void put(struct sbuf *b, uint64_t *in, size_t n)
{
    uint8_t *tmp = malloc(n);
    assert_non_null(tmp);
    sbt_pattern_fill(tmp, SEED, *in, n);
    assert_int_equal(sbuf_write(b, tmp, n), n);
    *in += n;
    free(tmp);
}

/* Reads n bytes and checks they are stream bytes [*out, *out + n). */
static void get(struct sbuf *b, uint64_t *out, size_t n)
{
    uint8_t *tmp = malloc(n);
    assert_non_null(tmp);
    assert_int_equal(sbuf_read(b, tmp, n), n);
    assert_int_equal(sbt_pattern_check(tmp, SEED, *out, n), n);
    *out += n;
    free(tmp);
}

/* A new log at path with a known content, closed; *in and *out restart at 0. */
static void make_log(uint64_t *in, uint64_t *out)
{
    struct sbuf *b;
    unlink(path);
    *in = *out = 0;
    assert_int_equal(open_log(path, 4096, &b), SBUF_OK);
    put(b, in, 3000);
    get(b, out, 2000);
    put(b, in, 2500); /* wraps: 1000 bytes at the end, 1500 at the start */
    sbuf_destroy(b);
}

static int refused(void)
{
    struct sbuf *b = (struct sbuf *)&b;
    int rc = open_log(path, 4096, &b);
    if (rc == SBUF_OK)
        sbuf_destroy(b);
    else
        assert_null(b);
    return rc;
}

static void patch(off_t at, const void *bytes, size_t n)
{
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, bytes, n, at), (ssize_t)n);
    close(fd);
}

/* ---- persistence ------------------------------------------------------ */

static void survives_close_and_reopen(void **state)
{
    (void)state;
    uint64_t in = 0, out = 0;
    make_log(&in, &out);
    struct sbuf *b;
    /* Another capacity asked: the file's own wins, the data decides. */
    assert_int_equal(open_log(path, 100, &b), SBUF_OK);
    assert_int_equal(sbuf_capacity(b), 4096);
    assert_int_equal(sbuf_used(b), in - out);
    struct sbuf_stats s;
    sbuf_stats(b, &s);
    assert_int_equal(s.peak_used, in - out); /* the level it was left with */

    /* The wrapped data comes back in order, through a view as well. */
    struct sbuf_span v[2];
    size_t n = sbuf_read_view(b, v);
    assert_int_equal(n, in - out);
    assert_true(v[1].n > 0); /* still wrapped */
    assert_int_equal(sbt_pattern_check(v[0].p, SEED, out, v[0].n), v[0].n);
    assert_int_equal(sbt_pattern_check(v[1].p, SEED, out + v[0].n, v[1].n), v[1].n);
    sbuf_read_release(b, 100);
    out += 100;
    get(b, &out, 1000);
    put(b, &in, 1234);
    sbuf_destroy(b);

    /* Once more: what the second session left is there. */
    assert_int_equal(open_log(path, 4096, &b), SBUF_OK);
    assert_int_equal(sbuf_used(b), in - out);
    get(b, &out, (size_t)(in - out));
    assert_true(sbuf_empty(b));
    sbuf_destroy(b);
}

/* The process dies without destroy: the page cache still holds the log. */
static void survives_process_death(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct sbuf *b;
        uint64_t in = 0;
        if (open_log(path, 8192, &b) != SBUF_OK)
            _exit(1);
        uint8_t tmp[5000];
        sbt_pattern_fill(tmp, SEED, in, sizeof(tmp));
        _exit(sbuf_write(b, tmp, sizeof(tmp)) == sizeof(tmp) ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    struct sbuf *b;
    uint64_t out = 0;
    assert_int_equal(open_log(path, 8192, &b), SBUF_OK); /* the dead child's lock is gone */
    assert_int_equal(sbuf_used(b), 5000);
    get(b, &out, 5000);
    sbuf_destroy(b);
}

static void empty_file_is_initialised(void **state)
{
    (void)state;
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    assert_true(fd >= 0);
    close(fd);
    struct sbuf *b;
    assert_int_equal(open_log(path, 100, &b), SBUF_OK);
    assert_true(sbuf_empty(b));
    sbuf_destroy(b);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, sysconf(_SC_PAGESIZE) + 4096);
}

static void capacity_rounding(void **state)
{
    (void)state;
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    static const size_t asked[] = {1, 100, 4096, 5000, 65536, 65537};
    for (size_t i = 0; i < sizeof(asked) / sizeof(asked[0]); i++) {
        struct sbuf *b;
        assert_int_equal(open_log(NULL, asked[i], &b), SBUF_OK);
        size_t cap = sbuf_capacity(b);
        size_t want = ps;
        while (want < asked[i])
            want <<= 1;
        assert_int_equal(cap, want);
        struct sbuf_stats s;
        sbuf_stats(b, &s);
        assert_int_equal(s.capacity, cap);
        sbuf_destroy(b);
    }
}

/* ---- refusals --------------------------------------------------------- */

static void truncated_file_refused(void **state)
{
    (void)state;
    uint64_t in = 0, out = 0;
    make_log(&in, &out);
    long ps = sysconf(_SC_PAGESIZE);
    assert_int_equal(truncate(path, ps + 4095), 0); /* one byte of data short */
    assert_int_equal(refused(), SBUF_EFORMAT);
    assert_int_equal(truncate(path, ps), 0); /* the header alone */
    assert_int_equal(refused(), SBUF_EFORMAT);
    assert_int_equal(truncate(path, 16), 0); /* not even a header */
    assert_int_equal(refused(), SBUF_EFORMAT);
    /* Longer than its header says: not ours to trust either. */
    make_log(&in, &out);
    assert_int_equal(truncate(path, ps + 8192), 0);
    assert_int_equal(refused(), SBUF_EFORMAT);
    /* A refused file is left as it was. */
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, ps + 8192);
}

static void foreign_file_refused(void **state)
{
    (void)state;
    long ps = sysconf(_SC_PAGESIZE);
    size_t n = (size_t)ps + 4096;
    char *text = malloc(n);
    assert_non_null(text);
    for (size_t i = 0; i < n; i++)
        text[i] = "serial port log line\n"[i % 21];
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
    assert_int_equal(refused(), SBUF_EFORMAT);

    /* Zeros of exactly the right size: no magic. */
    memset(text, 0, n);
    fd = open(path, O_RDWR | O_TRUNC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
    assert_int_equal(refused(), SBUF_EFORMAT);
    free(text);

    /* A directory, and a path that cannot be created, are I/O errors. */
    struct sbuf *b = (struct sbuf *)&b;
    assert_int_equal(open_log(dir, 4096, &b), SBUF_EIO);
    assert_null(b);
    char missing[400];
    snprintf(missing, sizeof(missing), "%s/no/such/dir", dir);
    assert_int_equal(open_log(missing, 4096, &b), SBUF_EIO);
}

static void damaged_header_refused(void **state)
{
    (void)state;
    uint64_t in = 0, out = 0;
    struct sbuf_mlog_header h;

    /* Indices further apart than the capacity. */
    make_log(&in, &out);
    uint64_t bad_head = out + 4096 + 1;
    patch(offsetof(struct sbuf_mlog_header, head), &bad_head, sizeof(bad_head));
    assert_int_equal(refused(), SBUF_EFORMAT);
    /* Tail ahead of head (a negative level wraps to a huge one). */
    uint64_t good_head = in, bad_tail = in + 1;
    patch(offsetof(struct sbuf_mlog_header, head), &good_head, sizeof(good_head));
    patch(offsetof(struct sbuf_mlog_header, tail), &bad_tail, sizeof(bad_tail));
    assert_int_equal(refused(), SBUF_EFORMAT);
    /* Restored, the same file opens: the checks refused the values, not the file. */
    patch(offsetof(struct sbuf_mlog_header, tail), &out, sizeof(out));
    assert_int_equal(refused(), SBUF_OK);

    /* Fixed fields: capacity (caught by the checksum), version, magic. */
    uint64_t cap = 8192;
    patch(offsetof(struct sbuf_mlog_header, capacity), &cap, sizeof(cap));
    assert_int_equal(refused(), SBUF_EFORMAT);
    make_log(&in, &out);
    uint32_t version = SBUF_MLOG_VERSION + 1;
    patch(offsetof(struct sbuf_mlog_header, version), &version, sizeof(version));
    assert_int_equal(refused(), SBUF_EFORMAT);
    make_log(&in, &out);
    patch(0, "SBUFMLOX", 8);
    assert_int_equal(refused(), SBUF_EFORMAT);

    /* A header that is self-consistent but claims a capacity that is not a
     * power of two: refused even with a matching checksum. */
    make_log(&in, &out);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
    close(fd);
    h.capacity = 3000;
    h.check = sbuf__mlog_check(&h);
    patch(0, &h, offsetof(struct sbuf_mlog_header, head));
    assert_int_equal(truncate(path, sysconf(_SC_PAGESIZE) + 3000), 0);
    assert_int_equal(refused(), SBUF_EFORMAT);
}

static void second_open_refused(void **state)
{
    (void)state;
    struct sbuf *a, *b = (struct sbuf *)&b;
    assert_int_equal(open_log(path, 4096, &a), SBUF_OK);
    assert_int_equal(open_log(path, 4096, &b), SBUF_EIO);
    assert_null(b);
    sbuf_destroy(a);
    assert_int_equal(open_log(path, 4096, &b), SBUF_OK);
    sbuf_destroy(b);
}

/* ---- private logs ----------------------------------------------------- */

static void private_file_leaves_nothing(void **state)
{
    (void)state;
    char *old = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
    assert_int_equal(setenv("TMPDIR", dir, 1), 0);
    struct sbuf *b;
    assert_int_equal(open_log(NULL, 4096, &b), SBUF_OK);
    /* Unlinked as soon as it is mapped: not even a crash leaves it behind. */
    assert_int_equal(files_in(dir), 0);
    uint64_t in = 0, out = 0;
    put(b, &in, 4096);
    get(b, &out, 4096);
    sbuf_destroy(b);
    assert_int_equal(files_in(dir), 0);

    /* A TMPDIR that does not exist: an error, not a file elsewhere. */
    char missing[400];
    snprintf(missing, sizeof(missing), "%s/none", dir);
    assert_int_equal(setenv("TMPDIR", missing, 1), 0);
    b = (struct sbuf *)&b;
    assert_int_equal(open_log(NULL, 4096, &b), SBUF_EIO);
    assert_null(b);
    if (old) {
        setenv("TMPDIR", old, 1);
        free(old);
    } else {
        unsetenv("TMPDIR");
    }
}

/* ---- one producer, one consumer through the shared mapping ----------- */

#define STREAM_BYTES ((uint64_t)32 << 20)

static size_t produce(const struct sbt_duo *d, struct sbt_rng *r, uint64_t in)
{
    struct sbuf_span v[2];
    size_t t = sbuf_write_reserve(d->b, v);
    size_t k = (size_t)sbt_rng_range(r, 1, 3000);
    if (k > t)
        k = t;
    if (k > d->total - in)
        k = (size_t)(d->total - in);
    sbt_pattern_fill_spans(v, SEED, in, k);
    sbuf_write_commit(d->b, k);
    if (k == 0)
        sched_yield();
    return k;
}

static size_t consume(const struct sbt_duo *d, struct sbt_rng *r, uint64_t out, int *bad)
{
    uint8_t tmp[5000];
    size_t n = sbuf_read(d->b, tmp, (size_t)sbt_rng_range(r, 1, sizeof(tmp)));
    *bad = sbt_pattern_check(tmp, SEED, out, n) != n;
    return n;
}

static void two_threads(void **state)
{
    (void)state;
    struct sbt_duo d = {.seed = SEED, .total = STREAM_BYTES, .produce_seed = 7,
                        .consume_seed = 11, .produce = produce, .consume = consume};
    assert_int_equal(open_log(path, 16384, &d.b), SBUF_OK);
    sbt_duo_run(&d); /* fails the test on a bad byte */
    struct sbuf *b = d.b;
    struct sbuf_stats s;
    sbuf_stats(b, &s);
    assert_int_equal(s.bytes_in, STREAM_BYTES);
    assert_int_equal(s.bytes_out, STREAM_BYTES);
    assert_true(s.peak_used <= 16384);
    sbuf_destroy(b);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, make_dir, remove_dir)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(survives_close_and_reopen), T(survives_process_death), T(empty_file_is_initialised),
        T(capacity_rounding),         T(truncated_file_refused), T(foreign_file_refused),
        T(damaged_header_refused),    T(second_open_refused),    T(private_file_leaves_nothing),
        T(two_threads),
    };
    return cmocka_run_group_tests_name("mmap_log", tests, NULL, NULL);
}
