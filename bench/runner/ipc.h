/*
 * ipc.h - what the runner and a run's child process say to each other.
 *
 * The child is this same executable (exec'd from /proc/self/exe), so the
 * structs travel as raw bytes; the header's magic, version and size catch a
 * mismatch anyway.  Parent -> child, on fd SB_IPC_PARAMS_FD: one PARAMS
 * record (struct sb_run_params, then the replay size table).  Child ->
 * parent, on fd SB_IPC_RESULT_FD: PROGRESS records while it runs, then one
 * RESULT record (struct sb_run_result), after a HISTS record (struct
 * sb_run_hists, the run's two latency histograms) when the run ran.
 * PROGRESS and RESULT records are smaller than PIPE_BUF and written with one
 * write(2), so they arrive whole; HISTS (70 KiB) comes from the same thread
 * as everything else the child writes, so nothing interleaves with it, and a
 * child that dies in the middle of it leaves a short record the parent
 * refuses.
 */
#ifndef SB_IPC_H
#define SB_IPC_H

#include <stddef.h>
#include <stdint.h>

#include "run.h"

#define SB_IPC_PARAMS_FD 3
#define SB_IPC_RESULT_FD 4

enum sb_ipc_type {
    SB_IPC_PARAMS = 1,
    SB_IPC_PROGRESS = 2,
    SB_IPC_RESULT = 3,
    SB_IPC_HISTS = 4,
};

struct sb_ipc_progress {
    uint64_t bytes;
    double elapsed_s;
};

/* Sends one record: header, then a (alen bytes) and b (blen bytes). */
int sb_ipc_send(int fd, unsigned type, const void *a, size_t alen, const void *b, size_t blen);
/*
 * Receives one record's header; *len is the payload size that follows.
 * 0, or -1 on end of file / error / a header that is not ours.
 */
int sb_ipc_recv_header(int fd, unsigned *type, size_t *len);
/* Exactly n bytes (retrying on EINTR and short reads); 0 or -1. */
int sb_ipc_read(int fd, void *buf, size_t n);
/* Reads and drops n bytes: 0 or -1. */
int sb_ipc_skip(int fd, size_t n);

/* The params record, replay table included (malloc'ed into *sizes). */
int sb_ipc_send_params(int fd, const struct sb_run_params *p);
int sb_ipc_recv_params(int fd, struct sb_run_params *p, uint32_t **sizes);

#endif
