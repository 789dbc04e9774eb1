/* ipc.c - framing of the runner <-> child records. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ipc.h"

#define IPC_MAGIC 0x53425752u /* "SBWR" */
#define IPC_VERSION 1u

struct hdr {
    uint32_t magic;
    uint16_t type;
    uint16_t version;
    uint64_t len;
};

/* The parent relies on child records arriving whole (pipe writes up to
 * PIPE_BUF are atomic), so a record must never outgrow it. */
_Static_assert(sizeof(struct hdr) + sizeof(struct sb_run_result) <= PIPE_BUF,
               "a result record must fit one atomic pipe write");

int sb_ipc_send(int fd, unsigned type, const void *a, size_t alen, const void *b, size_t blen)
{
    struct hdr h = {IPC_MAGIC, (uint16_t)type, IPC_VERSION, alen + blen};
    struct iovec iov[3] = {{&h, sizeof(h)}, {(void *)a, alen}, {(void *)b, blen}};
    int cnt = 3, i = 0;
    while (i < cnt) {
        ssize_t w = writev(fd, iov + i, cnt - i);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        while (i < cnt && (size_t)w >= iov[i].iov_len) {
            w -= (ssize_t)iov[i].iov_len;
            i++;
        }
        if (i < cnt) {
            iov[i].iov_base = (char *)iov[i].iov_base + w;
            iov[i].iov_len -= (size_t)w;
        }
    }
    return 0;
}

int sb_ipc_read(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

int sb_ipc_skip(int fd, size_t n)
{
    char buf[4096];
    while (n > 0) {
        size_t k = n < sizeof(buf) ? n : sizeof(buf);
        if (sb_ipc_read(fd, buf, k) < 0)
            return -1;
        n -= k;
    }
    return 0;
}

int sb_ipc_recv_header(int fd, unsigned *type, size_t *len)
{
    struct hdr h;
    if (sb_ipc_read(fd, &h, sizeof(h)) < 0 || h.magic != IPC_MAGIC ||
        h.version != IPC_VERSION || h.len > ((uint64_t)1 << 32))
        return -1;
    *type = h.type;
    *len = (size_t)h.len;
    return 0;
}

int sb_ipc_send_params(int fd, const struct sb_run_params *p)
{
    const void *sizes = NULL;
    size_t n = 0;
    if (p->message.kind == SB_MSG_REPLAY) {
        sizes = p->message.sizes;
        n = p->message.nsizes * sizeof(uint32_t);
    }
    return sb_ipc_send(fd, SB_IPC_PARAMS, p, sizeof(*p), sizes, n);
}

int sb_ipc_recv_params(int fd, struct sb_run_params *p, uint32_t **sizes)
{
    unsigned type;
    size_t len;
    *sizes = NULL;
    if (sb_ipc_recv_header(fd, &type, &len) < 0 || type != SB_IPC_PARAMS || len < sizeof(*p) ||
        sb_ipc_read(fd, p, sizeof(*p)) < 0)
        return -1;
    size_t rest = len - sizeof(*p);
    /* Pointers that came across belong to the parent; never use them. */
    p->message.sizes = NULL;
    p->hists = NULL;
    if (p->message.kind != SB_MSG_REPLAY) {
        p->message.nsizes = 0;
        return rest == 0 ? 0 : -1;
    }
    if (rest != p->message.nsizes * sizeof(uint32_t) || rest == 0)
        return -1;
    uint32_t *s = malloc(rest);
    if (!s || sb_ipc_read(fd, s, rest) < 0) {
        free(s);
        return -1;
    }
    p->message.sizes = s;
    *sizes = s;
    return 0;
}
