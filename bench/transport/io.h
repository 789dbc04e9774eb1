/*
 * io.h - the I/O path of the serial transports: two pump threads between
 * the run's buffers and a port.
 *
 *   producer -> [tx pipe] -> TX pump -> write(2) -> port -> peer
 *   consumer <- [rx pipe] <- RX pump <- read(2)  <- port <-'
 *
 * The TX pump writes straight out of sbuf_read_view's spans (writev, at most
 * write_size bytes a call); the RX pump reads straight into
 * sbuf_write_reserve's spans (readv).  Neither copies a data byte.  Both
 * block in poll(2) on the port and on the pipes' wakeup eventfds (traffic.h
 * protocol: the TX pump is the tx pipe's reader, the RX pump the rx pipe's
 * writer), never sleep-poll, and handle partial writes, EAGAIN, EINTR and
 * short reads.
 *
 * End of a run: when the producer has closed the tx pipe and the TX pump has
 * written every byte, it writes a stats request (devstats.h).  The peer
 * answers after echoing everything before it, so the RX pump, which from
 * then on looks at what it reads, knows the echo is complete when the answer
 * (or, from a plain echo, the request itself) arrives; it keeps the answer
 * and closes the rx pipe.
 *
 * Flow window (pty): socat carries both directions in one thread with
 * blocking writes, so the harness keeps at most `window` bytes in flight
 * (written, not read back, not reported lost by the peer), which the peer
 * can always take in (peer.h).  The TX pump waits for the RX pump when the
 * window is full.  window 0 (a real port) means no limit.  Bytes the peer
 * loses (an emulator's overruns and dropped frames) never come back to wake
 * it: the peer counts them in peer_lost and writes lost_fd, which the TX
 * pump polls while it waits, so a window that only losses reopen does not
 * wait out the safety timeout.
 *
 * A port that hangs up or fails (POLLHUP, POLLERR, EIO, end of file) fails
 * the I/O at once: `failed` is set with a reason, the run is aborted
 * (ctl->abort, both pipes kicked) and both pumps return.
 */
#ifndef SB_IO_H
#define SB_IO_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "devstats.h"
#include "traffic.h"

/* Bytes one read of the RX side takes at most outside the buffer. */
#define SB_IO_CHUNK 4096u

struct sb_io {
    int fd;
    struct sb_pipe *tx, *rx;
    struct sb_run_ctl *ctl;
    size_t write_size;           /* bytes per write(2); 0 = whatever is readable */
    size_t window;               /* bytes in flight at most; 0 = no limit */
    _Atomic uint64_t *peer_lost; /* bytes the peer reports lost (may be NULL) */
    int lost_fd;                 /* the peer's eventfd, written when peer_lost grows; -1: none */
    struct sb_wakeup flight;     /* the TX pump waits here for the window to open */
    struct sb_wakeup rx_park;    /* the RX pump waits here while the consumer has the port */
    atomic_int tx_token;         /* 1 while the producer or the TX pump writes the port */
    atomic_int rx_owner;         /* who reads the port: the RX pump (0) or the consumer (1) */
    atomic_int port_wanted;      /* the consumer waits for bytes while the pump has the port */
    /* Bytes the consumer read as the end mode began, for the pump (owner's). */
    uint8_t handoff[SB_IO_CHUNK];
    size_t handoff_len;
    int threads;                 /* which pumps were started (bit 0 tx, bit 1 rx) */
    pthread_t tx_thread, rx_thread;

    _Atomic uint64_t tx_bytes;   /* data bytes written to the port */
    _Atomic uint64_t rx_bytes;   /* data bytes read from it (the control frame excluded) */
    _Atomic uint64_t last_rx_ns; /* when the RX pump last read anything */
    _Atomic uint64_t request_ns; /* when the stats request was written; 0 = not yet */
    atomic_int end_mode;         /* the stats request is on its way: watch for the answer */
    atomic_int done;             /* the answer arrived: the echo is complete */
    atomic_int failed;           /* the port went away or failed: reason says how */
    _Atomic uint64_t port_timeouts; /* waits on the port that ran out the safety timeout */
    char reason[256];

    /* Valid once done is set (read after joining). */
    unsigned answer_kind;        /* SB_CTRL_STATS_REPLY, or _REQUEST from a plain echo */
    struct sb_dev_counters dev;  /* the peer's counters (reply only) */
    uint64_t stray_bytes;        /* bytes that followed the answer (none expected) */
};

/*
 * Starts both pumps on fd.  The caller keeps ownership of fd, the pipes and
 * ctl, which must outlive sb_io_join.  SBUF_OK, or SBUF_EIO if a thread
 * could not start (then nothing runs).
 */
int sb_io_start(struct sb_io *io, int fd, struct sb_pipe *tx, struct sb_pipe *rx,
                struct sb_run_ctl *ctl, size_t write_size, size_t window,
                _Atomic uint64_t *peer_lost, int lost_fd);

/* Aborts the run: both pumps (and producer and consumer) return promptly. */
void sb_io_abort(struct sb_io *io);

/* Waits for both pumps and frees what start made.  The rx pipe is closed
 * when this returns. */
void sb_io_join(struct sb_io *io);

/* Bytes written to the port and neither read back nor reported lost. */
uint64_t sb_io_in_flight(const struct sb_io *io);

/*
 * Records a failure (first one wins), aborts the run, and wakes everything.
 * The pumps call it; the supervisor may too (a peer that never answers).
 */
void sb_io_fail(struct sb_io *io, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
