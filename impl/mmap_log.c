/*
 * mmap_log.c - a ring in a file mapped into memory (MAP_SHARED).  The data and
 * both indices live in the file (layout in mmap_log_format.h), so a file
 * reopened after a close, or after the process died, yields the bytes that
 * were readable in it.
 *
 * Capacity: rounded up to a power of two and to at least one page, so
 * positions are index & mask and the data starts page-aligned after a
 * one-page header.  Reopening an existing file adopts the file's capacity
 * (the data decides; cfg->capacity only has to be valid).
 *
 * cfg->path NULL: a private file from mkstemp in $TMPDIR (or /tmp), unlinked
 * as soon as it is mapped, so nothing is left behind even if the process
 * dies; the mapping keeps the storage until destroy.  With a path: an
 * existing non-empty file is validated (magic, version, page size, checksum
 * of the fixed fields, file size, head - tail <= capacity) and refused with
 * SBUF_EFORMAT if any check fails; an empty or missing file is initialised.
 * A second open of the same file while one is live is refused (flock),
 * because two producers on one ring would corrupt it: SBUF_EIO, errno
 * EWOULDBLOCK.  The checks read the file before mapping it, so a short
 * file can never fault; a file truncated by someone else while mapped can
 * (SIGBUS), which no mapping can prevent.
 *
 * Durability: stores reach the page cache at once, so the data survives the
 * process.  destroy msyncs a named file, so a clean close also survives a
 * power cut; a crash without that may lose the last pages.
 *
 * Threading: as ring_spsc, through spsc_index.h (cached opposite index,
 * acquire/release only); the indices are 64-bit atomics in the shared
 * mapping, which needs them lock-free, and the cached copies stay in the
 * process, each on its side's cache line.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mmap_log_format.h"
/* The file's index type, on every host. */
#define SBUF__SPSC_INDEX uint64_t
#include "spsc_index.h"

_Static_assert(__atomic_always_lock_free(sizeof(uint64_t), 0),
               "mmap_log keeps its indices in a shared mapping: they must be lock-free");
_Static_assert(sizeof(struct sbuf_mlog_header) <= 4096, "the header must fit in a page");

struct mmap_log {
    struct sbuf base;
    /* Read-only after create: shared by both sides without contention. */
    struct sbuf_mlog_header *hdr; /* start of the mapping */
    uint8_t *data;
    size_t size;
    size_t mask;
    size_t map_len;
    int fd;
    int named; /* a caller's path: msync on destroy */
    /* Producer's line: its cached copy of the consumer's index. */
    struct {
        alignas(SBUF_CACHE_LINE) uint64_t cached_tail;
    } p;
    /* Consumer's line. */
    struct {
        alignas(SBUF_CACHE_LINE) uint64_t cached_head;
    } c;
};

#define MLOG(b) ((struct mmap_log *)(b))

static inline struct sbuf__spsc mlog_ix(struct mmap_log *m)
{
    return (struct sbuf__spsc){&m->hdr->head, &m->hdr->tail, &m->p.cached_tail,
                               &m->c.cached_head};
}

extern const struct sbuf_ops sbuf_mmap_log_ops;

static size_t page_size(void)
{
    long ps = sysconf(_SC_PAGESIZE);
    return ps > 0 ? (size_t)ps : 4096;
}

/* ---- opening the file ------------------------------------------------ */

/* A private file in $TMPDIR or /tmp, already unlinked. */
static int open_private(int *fd)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    char path[PATH_MAX];
    int w = snprintf(path, sizeof(path), "%s/sbuf-mmap_log-XXXXXX", dir);
    if (w < 0 || (size_t)w >= sizeof(path))
        return SBUF_ERANGE;
    *fd = mkostemp(path, O_CLOEXEC);
    if (*fd < 0)
        return SBUF_EIO;
    /* Unlinked now, not at destroy: a crash then leaves no file behind. */
    unlink(path);
    return SBUF_OK;
}

static int open_file(const struct sbuf_config *cfg, int *fd)
{
    int rc;
    if (cfg->path) {
        *fd = open(cfg->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        rc = *fd < 0 ? SBUF_EIO : SBUF_OK;
    } else {
        rc = open_private(fd);
    }
    if (rc)
        return rc;
    if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(*fd);
        errno = e;
        return SBUF_EIO;
    }
    return SBUF_OK;
}

/*
 * Validates an existing file from a copy of its header read with pread, so
 * that nothing is mapped until the size is known to be right.  Returns the
 * data capacity through *cap.
 */
static int check_existing(int fd, off_t file_size, size_t *cap)
{
    size_t ps = page_size();
    struct sbuf_mlog_header h;
    if ((size_t)file_size < ps)
        return SBUF_EFORMAT;
    if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
        return SBUF_EFORMAT;
    if (memcmp(h.magic, SBUF_MLOG_MAGIC, sizeof(h.magic)) != 0 ||
        h.version != SBUF_MLOG_VERSION || h.header_size != ps ||
        h.check != sbuf__mlog_check(&h))
        return SBUF_EFORMAT;
    if (h.capacity < ps || h.capacity > SBUF_MAX_CAPACITY ||
        (h.capacity & (h.capacity - 1)) != 0)
        return SBUF_EFORMAT;
    /* Truncated, or extended by something else: either way not our ring. */
    if ((uint64_t)file_size != h.header_size + h.capacity)
        return SBUF_EFORMAT;
    /* No other thread can see this private copy: relaxed loads suffice. */
    uint64_t head = atomic_load_explicit(&h.head, memory_order_relaxed);
    uint64_t tail = atomic_load_explicit(&h.tail, memory_order_relaxed);
    if (head - tail > h.capacity)
        return SBUF_EFORMAT;
    *cap = (size_t)h.capacity;
    return SBUF_OK;
}

static void write_new_header(struct sbuf_mlog_header *h, size_t cap)
{
    h->version = SBUF_MLOG_VERSION;
    h->header_size = (uint32_t)page_size();
    h->capacity = cap;
    atomic_store_explicit(&h->head, 0, memory_order_relaxed);
    atomic_store_explicit(&h->tail, 0, memory_order_relaxed);
    memcpy(h->magic, SBUF_MLOG_MAGIC, sizeof(h->magic));
    /*
     * The check goes last: a crash part-way through leaves a header that
     * fails it, so a half-made file is refused rather than trusted.  No
     * thread shares the mapping yet, so plain stores need no ordering.
     */
    h->check = sbuf__mlog_check(h);
}

/* Sizes a new file (size 0 on entry), or validates an existing one. */
static int prepare_file(int fd, size_t want_cap, size_t *cap, int *fresh)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return SBUF_EIO;
    if (!S_ISREG(st.st_mode))
        return SBUF_EFORMAT;
    if (st.st_size != 0) {
        *fresh = 0;
        return check_existing(fd, st.st_size, cap);
    }
    *fresh = 1;
    *cap = want_cap;
    return ftruncate(fd, (off_t)(page_size() + want_cap)) == 0 ? SBUF_OK : SBUF_EIO;
}

static int mlog_create(const struct sbuf_config *cfg, struct sbuf **out)
{
    size_t ps = page_size();
    size_t want = sbuf__pow2_ceil(cfg->capacity < ps ? ps : cfg->capacity);
    struct mmap_log *m = sbuf_mem_alloc(NULL, sizeof(*m), SBUF_CACHE_LINE);
    if (!m)
        return SBUF_ENOMEM;
    sbuf_header_init(&m->base, &sbuf_mmap_log_ops);
    m->named = cfg->path != NULL;

    size_t cap = 0;
    int fresh = 0;
    int rc = open_file(cfg, &m->fd);
    if (rc) {
        sbuf_mem_free(m, sizeof(*m));
        return rc;
    }
    rc = prepare_file(m->fd, want, &cap, &fresh);
    void *map = MAP_FAILED;
    if (rc == SBUF_OK) {
        m->map_len = ps + cap;
        map = mmap(NULL, m->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
        if (map == MAP_FAILED)
            rc = SBUF_EIO;
    }
    if (rc) {
        int e = errno;
        /* A file we just sized but never initialised would be refused by
         * every later open (all-zero header): give it back empty. */
        if (fresh) {
            int trunc = ftruncate(m->fd, 0); /* best effort: the create has failed anyway */
            (void)trunc;
        }
        close(m->fd); /* also drops the flock */
        sbuf_mem_free(m, sizeof(*m));
        errno = e;
        return rc;
    }
    m->hdr = map;
    m->data = (uint8_t *)map + ps;
    m->size = cap;
    m->mask = cap - 1;
    if (fresh)
        write_new_header(m->hdr, cap);
    /* Not shared with another thread until create returns: relaxed. */
    uint64_t head = atomic_load_explicit(&m->hdr->head, memory_order_relaxed);
    uint64_t tail = atomic_load_explicit(&m->hdr->tail, memory_order_relaxed);
    m->p.cached_tail = tail;
    m->c.cached_head = head;
    /* A reopened log starts at the level it was left with. */
    sbuf_note_level(&m->base, (size_t)(head - tail));
    m->base.prod.allocations = 1;
    *out = &m->base;
    return SBUF_OK;
}

static void mlog_destroy(struct sbuf *b)
{
    struct mmap_log *m = MLOG(b);
    if (m->named)
        msync(m->hdr, m->map_len, MS_SYNC);
    munmap(m->hdr, m->map_len);
    close(m->fd);
    sbuf_mem_free(m, sizeof(*m));
}

/* ---- the zero-copy core ---------------------------------------------- */

/* Free space as spans, reloading the consumer's index only if the cached
 * copy shows less than want bytes free. */
static inline size_t reserve_at_least(struct mmap_log *m, size_t want, struct sbuf_span v[2])
{
    uint64_t head;
    size_t free_space = sbuf__spsc_room(mlog_ix(m), m->size, want, &head);
    return sbuf_ring_spans(m->data, m->size, (size_t)head & m->mask, free_space, v);
}

static size_t mlog_write_reserve(struct sbuf *b, struct sbuf_span v[2])
{
    return reserve_at_least(MLOG(b), 1, v);
}

/* As ring_spsc's.  Also needed for the contract: the generic version asks
 * write_reserve, whose stale cache may show less than n when n fits. */
static size_t mlog_write_reserve_min(struct sbuf *b, size_t n, struct sbuf_span v[2])
{
    size_t room = reserve_at_least(MLOG(b), n, v);
    return room >= n ? room : 0;
}

static void mlog_write_commit(struct sbuf *b, size_t n)
{
    sbuf__spsc_commit(mlog_ix(MLOG(b)), b, n);
}

/*
 * Readable bytes from offset on.  The cached head is reloaded only when it
 * shows no byte at offset, so a stream of views costs no cross-core miss
 * while data is there, yet peek and find (which view further and further
 * without consuming) still see every committed byte.
 */
static size_t mlog_view_at(struct sbuf *b, size_t offset, struct sbuf_span v[2])
{
    struct mmap_log *m = MLOG(b);
    uint64_t tail;
    size_t avail = sbuf__spsc_ready(mlog_ix(m), offset + 1, &tail);
    size_t n = offset < avail ? avail - offset : 0;
    return sbuf_ring_spans(m->data, m->size, (size_t)(tail + offset) & m->mask, n, v);
}

static size_t mlog_read_view(struct sbuf *b, struct sbuf_span v[2])
{
    return mlog_view_at(b, 0, v);
}

static void mlog_read_release(struct sbuf *b, size_t n)
{
    sbuf__spsc_release(mlog_ix(MLOG(b)), n);
}

static size_t mlog_used(struct sbuf *b)
{
    return sbuf__spsc_used(mlog_ix(MLOG(b)));
}

static size_t mlog_capacity(struct sbuf *b)
{
    return MLOG(b)->size;
}

const struct sbuf_ops sbuf_mmap_log_ops = {
    .abi = SBUF_ABI_VERSION,
    .name = "mmap_log",
    .summary = "SPSC ring in a MAP_SHARED file with its indices: survives close and reopen",
    .caps = SBUF_CAP_PERSISTENT | SBUF_CAP_NEEDS_MMU,
    .create = mlog_create,
    .destroy = mlog_destroy,
    .write_reserve = mlog_write_reserve,
    .write_commit = mlog_write_commit,
    .write_reserve_min = mlog_write_reserve_min,
    .read_view = mlog_read_view,
    .read_release = mlog_read_release,
    .used = mlog_used,
    .capacity = mlog_capacity,
    .view_at = mlog_view_at,
};
