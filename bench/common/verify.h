/*
 * verify.h - what the consumer does with each frame the decoder found good:
 * check its payload against its sequence number, track the sequence (gaps,
 * duplicates, reordering), and, past the warmup, count it and record its
 * latencies (from its send time; paced, from its intended time too).  The per-frame step is inline: it is most of the harness's own
 * cost per message.
 */
#ifndef SB_VERIFY_H
#define SB_VERIFY_H

#include <stdint.h>

#include "frame.h"
#include "histogram.h"

/* Sequence numbers remembered behind the newest: wide enough for any
 * reordering a buffer or link produces; older arrivals count as duplicates. */
#define SB_SEQ_WINDOW 1024u

/*
 * Sequence tracking.  gaps ends as the number of sequence numbers skipped
 * and never seen; a late arrival (reordered) fills its gap again.
 */
struct sb_seqtrack {
    uint64_t next; /* one past the highest sequence number seen */
    uint64_t gaps, duplicates, reordered;
    uint64_t seen[SB_SEQ_WINDOW / 64]; /* bit s % WINDOW: s in [next - WINDOW, next) seen */
};

void sb_seqtrack_reset(struct sb_seqtrack *t);
/* The rare cases: a jump ahead, or an arrival behind next. */
void sb_seqtrack_note_slow(struct sb_seqtrack *t, uint64_t seq);

static inline void sb_seqtrack_note(struct sb_seqtrack *t, uint64_t seq)
{
    if (seq == t->next) {
        t->seen[(seq % SB_SEQ_WINDOW) / 64] |= (uint64_t)1 << (seq % 64);
        t->next = seq + 1;
        return;
    }
    sb_seqtrack_note_slow(t, seq);
}

struct sb_verify {
    struct sb_seqtrack seq;
    uint64_t msgs, bytes;               /* measured phase: verified frames, their wire bytes */
    uint64_t warmup_msgs, warmup_bytes; /* verified frames before the measured phase */
    uint64_t bad_payload;               /* CRCs good, payload not its sequence number's */
    uint64_t first_ns, last_ns;         /* receipt of the first and last measured frame */
    uint64_t first_bytes;               /* the first measured frame's wire bytes */
    struct sb_hist hist;                /* latency of measured frames from their send time, ns */
    /* ... and from their intended send time (frame.h), recorded only when
     * paced is set; an unpaced run's is its hist (the two times are one). */
    struct sb_hist hist_int;
    int paced;                          /* set by the caller after sb_verify_reset */
};

void sb_verify_reset(struct sb_verify *v);

/*
 * Judges frame f (which the decoder found good) received at now_ns.
 * Frames with seq >= first_measured belong to the measured phase.
 * Returns 1 if the frame was verified, 0 if its payload was wrong.
 */
static inline int sb_verify_frame(struct sb_verify *v, const struct sb_frame *f,
                                  uint64_t now_ns, uint64_t first_measured)
{
    if (!sb_payload_check(f->seq, f->payload, f->len)) {
        v->bad_payload++;
        return 0;
    }
    sb_seqtrack_note(&v->seq, f->seq);
    uint64_t size = sb_frame_size(f->len);
    if (f->seq >= first_measured) {
        /* The receiver's window: serial links rate what arrives in it. */
        if (!v->msgs) {
            v->first_ns = now_ns;
            v->first_bytes = size;
        }
        v->last_ns = now_ns;
        v->msgs++;
        v->bytes += size;
        /* A send time in the future can only be a clock glitch: count it as 0. */
        sb_hist_record(&v->hist, now_ns > f->send_ns ? now_ns - f->send_ns : 0);
        if (v->paced)
            sb_hist_record(&v->hist_int, now_ns > f->intended_ns ? now_ns - f->intended_ns : 0);
    } else {
        v->warmup_msgs++;
        v->warmup_bytes += size;
    }
    return 1;
}

#endif
