/*
 * ring_mirror.c - SPSC ring whose memory is mapped twice, back to back.
 *
 * The same memfd pages appear at [base, base+size) and again at
 * [base+size, base+2*size).  A byte at ring offset o is therefore also at
 * o + size, so any run of up to size bytes that starts inside the first copy
 * is one contiguous span, even when it crosses the wrap point: every view and
 * every reservation is a single span and no byte is ever copied to make it so
 * (bytes_copied stays 0).  Callers can hand a view straight to write(2), a
 * parser or a DMA-style consumer.  This is what the reference design's
 * ZeroCopyFileBuffer wanted and did not get.
 *
 * Mapping: reserve 2*size of address space with one PROT_NONE mapping first,
 * then map the memfd over each half with MAP_FIXED.  Mapping twice at
 * addresses chosen by the kernel could race with another thread's mmap taking
 * the second half; MAP_FIXED over a range we already own cannot.  The fd is
 * closed as soon as both mappings exist (they keep the file alive), so a
 * buffer holds no descriptor.
 *
 * Capacity: mappings are whole pages, and the indices use a mask, so the
 * capacity is rounded up to a power of two of at least one page (4 KiB here);
 * sbuf_capacity() and sbuf_stats.capacity report the real value.
 *
 * Indices and ordering are spsc_index.h's, as in ring_spsc.c: free-running
 * head/tail, each on its own cache line with a cached copy of the other
 * side's index, and only acquire/release ordering.  The copying write and read reload the other
 * side's index only when the cached copy says the request does not fit.
 * write_reserve and read_view always reload it: a view must show every
 * readable byte (peek, find and readline walk it; a stale view would make
 * readline wait forever for a delimiter that has already arrived), and a
 * reservation is most useful at its largest.  One acquire load per zero-copy
 * batch is cheap next to the batch.
 *
 * Allocations: one, the header, through the allocation hook.  The mapping is
 * not hook memory and is not counted (stats.allocations counts hook calls).
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "spsc_index.h"

struct ring_mirror {
    struct sbuf base;
    /* Read-only after create: shared by both sides without contention. */
    uint8_t *data; /* 2*size bytes of address space: the same pages twice */
    size_t mask;
    size_t size;
    struct sbuf__spsc_lines ix;
};

#define MIRROR(b) ((struct ring_mirror *)(b))
#define IX(r) sbuf__spsc_of(&(r)->ix)

extern const struct sbuf_ops sbuf_ring_mirror_ops;

static int errno_code(int e)
{
    return e == ENOMEM ? SBUF_ENOMEM : SBUF_EIO;
}

/*
 * Maps a fresh memfd of size bytes twice back to back; *base on success.
 * On failure nothing stays mapped or open and errno says why.
 */
static int map_twice(size_t size, uint8_t **base)
{
    int fd = memfd_create("sbuf-ring_mirror", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    if (ftruncate(fd, (off_t)size) != 0)
        goto fail_fd;
    /* NORESERVE: this mapping only holds the address range, never memory. */
    uint8_t *at = mmap(NULL, 2 * size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                       -1, 0);
    if (at == MAP_FAILED)
        goto fail_fd;
    for (int half = 0; half < 2; half++) {
        void *m = mmap(at + (size_t)half * size, size, PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_FIXED, fd, 0);
        if (m == MAP_FAILED) {
            int e = errno;
            munmap(at, 2 * size); /* drops the reservation and any half mapped */
            errno = e;
            goto fail_fd;
        }
    }
    close(fd);
    *base = at;
    return 0;
fail_fd:;
    int e = errno;
    close(fd);
    errno = e;
    return -1;
}

static size_t mirror_capacity_for(const struct sbuf_config *cfg)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t want = cfg->capacity;
    if (page > 0 && want < (size_t)page)
        want = (size_t)page;
    /* Page sizes are powers of two, so a power of two >= one page is whole pages. */
    return sbuf__pow2_ceil(want);
}

static int mirror_create(const struct sbuf_config *cfg, struct sbuf **out)
{
    size_t size = mirror_capacity_for(cfg);
    struct ring_mirror *r = sbuf_mem_alloc(NULL, sizeof(*r), SBUF_CACHE_LINE);
    if (!r)
        return SBUF_ENOMEM;
    uint8_t *data;
    if (map_twice(size, &data) != 0) {
        int rc = errno_code(errno);
        sbuf_mem_free(r, sizeof(*r));
        return rc;
    }
    sbuf_header_init(&r->base, &sbuf_ring_mirror_ops);
    r->data = data;
    r->size = size;
    r->mask = size - 1;
    sbuf__spsc_lines_init(&r->ix);
    r->base.prod.allocations = 1; /* the header; the mapping is not hook memory */
    *out = &r->base;
    return SBUF_OK;
}

static void mirror_destroy(struct sbuf *b)
{
    struct ring_mirror *r = MIRROR(b);
    munmap(r->data, 2 * r->size);
    sbuf_mem_free(r, sizeof(*r));
}

/* [pos, pos+n) as one span: the second copy of the pages absorbs the wrap. */
static inline size_t mirror_span(struct ring_mirror *r, size_t pos, size_t n,
                                 struct sbuf_span v[2])
{
    v[0].p = r->data + (pos & r->mask);
    v[0].n = n;
    v[1].p = NULL;
    v[1].n = 0;
    return n;
}

/* Free space as one span, reloading the consumer's index only if the cached
 * copy shows less than want bytes free. */
static inline size_t reserve_at_least(struct ring_mirror *r, size_t want, struct sbuf_span v[2])
{
    size_t head;
    size_t free_space = sbuf__spsc_room(IX(r), r->size, want, &head);
    return mirror_span(r, head, free_space, v);
}

static size_t mirror_write_reserve(struct sbuf *b, struct sbuf_span v[2])
{
    /* SIZE_MAX: always reload, to offer all the free space there is. */
    return reserve_at_least(MIRROR(b), SIZE_MAX, v);
}

/* As ring_spsc's: the cached consumer index decides unless it says no. */
static size_t mirror_write_reserve_min(struct sbuf *b, size_t n, struct sbuf_span v[2])
{
    size_t room = reserve_at_least(MIRROR(b), n, v);
    return room >= n ? room : 0;
}

static void mirror_write_commit(struct sbuf *b, size_t n)
{
    sbuf__spsc_commit(IX(MIRROR(b)), b, n);
}

/* Readable data as one span, reloading the producer's index only if the
 * cached copy shows less than want bytes. */
static inline size_t view_at_least(struct ring_mirror *r, size_t want, struct sbuf_span v[2])
{
    size_t tail;
    size_t avail = sbuf__spsc_ready(IX(r), want, &tail);
    return mirror_span(r, tail, avail, v);
}

static size_t mirror_read_view(struct sbuf *b, struct sbuf_span v[2])
{
    /* SIZE_MAX: always reload, so the view shows every readable byte. */
    return view_at_least(MIRROR(b), SIZE_MAX, v);
}

static void mirror_read_release(struct sbuf *b, size_t n)
{
    sbuf__spsc_release(IX(MIRROR(b)), n);
}

static size_t mirror_used(struct sbuf *b)
{
    return sbuf__spsc_used(IX(MIRROR(b)));
}

static size_t mirror_capacity(struct sbuf *b)
{
    return MIRROR(b)->size;
}

/* Fast paths: one index check and one memcpy, wrap or not. */
static size_t mirror_write(struct sbuf *b, const void *src, size_t n)
{
    struct sbuf_span v[2];
    size_t room = reserve_at_least(MIRROR(b), n, v);
    size_t k = n < room ? n : room;
    if (k)
        memcpy(v[0].p, src, k);
    mirror_write_commit(b, k);
    return k;
}

static size_t mirror_read(struct sbuf *b, void *dst, size_t n)
{
    struct sbuf_span v[2];
    size_t avail = view_at_least(MIRROR(b), n, v);
    size_t k = n < avail ? n : avail;
    if (k)
        memcpy(dst, v[0].p, k);
    mirror_read_release(b, k);
    return k;
}

const struct sbuf_ops sbuf_ring_mirror_ops = {
    .abi = SBUF_ABI_VERSION,
    .name = "ring_mirror",
    .summary = "SPSC ring on a memfd mapped twice: every view one span, nothing copied",
    .caps = SBUF_CAP_CONTIGUOUS | SBUF_CAP_NEEDS_MMU,
    .create = mirror_create,
    .destroy = mirror_destroy,
    .write_reserve = mirror_write_reserve,
    .write_commit = mirror_write_commit,
    .write_reserve_min = mirror_write_reserve_min,
    .read_view = mirror_read_view,
    .read_release = mirror_read_release,
    .used = mirror_used,
    .capacity = mirror_capacity,
    .write = mirror_write,
    .read = mirror_read,
};
